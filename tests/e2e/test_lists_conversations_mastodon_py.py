"""Lists and direct conversations end to end: Mastodon.py (forms, as it sends them; its SSE
streams `stream_list` and `stream_direct`) against a real `chirp serve` subprocess."""

from __future__ import annotations

import time
from typing import Any

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError, StreamListener

from tests.e2e.process import ChirpProcess
from tests.e2e.test_social_mastodon_py import eventually
from tests.e2e.test_tags_mastodon_py import SCOPES, _user


class Recorder(StreamListener):
    def __init__(self) -> None:
        self.updates: list[Any] = []
        self.conversations: list[Any] = []

    def on_update(self, status: Any) -> None:
        self.updates.append(status)

    def on_conversation(self, conversation: Any) -> None:
        self.conversations.append(conversation)


def _wait(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_lists_with_mastodon_py(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    app = Mastodon.create_app("chirp lists e2e", scopes=SCOPES, api_base_url=url)
    ada, bob, cy = _user(url, app, "ada"), _user(url, app, "bob"), _user(url, app, "cy")
    bob_id, cy_id = bob.me()["id"], cy.me()["id"]

    made = ada.list_create("Friends", replies_policy="followed", exclusive=True)
    assert (made["title"], made["replies_policy"], made["exclusive"]) == (
        "Friends",
        "followed",
        True,
    )
    assert [x["id"] for x in ada.lists()] == [made["id"]]
    with pytest.raises(MastodonNotFoundError):
        ada.list_accounts_add(made["id"], [bob_id])  # not followed yet
    ada.account_follow(bob_id)
    ada.account_follow(cy_id)
    ada.list_accounts_add(made["id"], [bob_id])
    with pytest.raises(MastodonAPIError):
        ada.list_accounts_add(made["id"], [bob_id])  # already in
    assert [a["id"] for a in ada.list_accounts(made["id"])] == [bob_id]
    assert [x["id"] for x in ada.account_lists(bob_id)] == [made["id"]]
    with pytest.raises(MastodonNotFoundError):
        bob.list(made["id"])  # someone else's list

    recorder = Recorder()
    handle = ada.stream_list(made["id"], recorder, run_async=True, reconnect_async=False)
    try:
        time.sleep(0.3)
        tweet = bob.status_post("in the list")
        other = cy.status_post("not in it")
        listed = eventually(lambda: ada.timeline_list(made["id"]), lambda page: len(page) >= 1)
        assert [s["id"] for s in listed] == [tweet["id"]]
        _wait(lambda: recorder.updates)
        assert [s["id"] for s in recorder.updates] == [tweet["id"]]
    finally:
        handle.close()
    # Exclusive: bob's tweet is read in the list, not at home.
    home = eventually(ada.timeline_home, lambda page: any(s["id"] == other["id"] for s in page))
    assert [s["id"] for s in home] == [other["id"]]

    renamed = ada.list_update(made["id"], "Close friends", replies_policy="none")
    assert (renamed["title"], renamed["replies_policy"], renamed["exclusive"]) == (
        "Close friends",
        "none",
        False,  # Mastodon.py sends its default
    )
    ada.list_accounts_delete(made["id"], [bob_id])
    assert ada.list_accounts(made["id"]) == []
    ada.list_delete(made["id"])
    assert ada.lists() == []


def test_conversations_with_mastodon_py(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    app = Mastodon.create_app("chirp conversations e2e", scopes=SCOPES, api_base_url=url)
    ada, bob = _user(url, app, "ada"), _user(url, app, "bob")

    recorder = Recorder()
    handle = bob.stream_direct(recorder, run_async=True, reconnect_async=False)
    try:
        time.sleep(0.3)
        first = ada.status_post("@bob psst", visibility="direct")
        found = eventually(bob.conversations, lambda page: len(page) == 1)
        assert found[0]["unread"] is True
        assert [a["acct"] for a in found[0]["accounts"]] == ["ada"]
        assert found[0]["last_status"]["id"] == first["id"]
        _wait(lambda: recorder.conversations)
        assert recorder.conversations[0]["id"] == found[0]["id"]
        assert recorder.conversations[0]["last_status"]["id"] == first["id"]
    finally:
        handle.close()

    read = bob.conversations_read(found[0]["id"])
    assert read["unread"] is False
    # Paging: a second thread, then a page of one and the next.
    second = ada.status_post("@bob another thread", visibility="direct")
    eventually(bob.conversations, lambda page: len(page) == 2)
    page = bob.conversations(limit=1)
    assert [c["last_status"]["id"] for c in page] == [second["id"]]
    following = bob.fetch_next(page)
    assert following is not None
    assert [c["last_status"]["id"] for c in following] == [first["id"]]
    # Deleting the last tweet of a conversation removes it.
    ada.status_delete(second["id"])
    eventually(bob.conversations, lambda page: len(page) == 1)
    assert [c["last_status"]["id"] for c in bob.conversations()] == [first["id"]]
    # Nobody else's to read.
    with pytest.raises(MastodonNotFoundError):
        ada.conversations_read(found[0]["id"])
