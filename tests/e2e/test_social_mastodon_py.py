"""The social MVP end to end: Mastodon.py against a real `chirp serve` subprocess."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from mastodon import Mastodon, MastodonNotFoundError

from tests.e2e.process import ChirpProcess
from tests.helpers import PASSWORD

SCOPES = ["read", "write", "follow"]
T = TypeVar("T")


def eventually(probe: Callable[[], T], check: Callable[[T], bool], timeout: float = 5.0) -> T:
    """Side effects (fan-out, notifications) run just after the write; poll until they land."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if check(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def _user(url: str, app: tuple[str, str], name: str) -> Mastodon:
    api = Mastodon(*app, api_base_url=url)
    api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True, scopes=SCOPES)
    return api


def test_the_whole_mvp(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    app = Mastodon.create_app("chirp e2e", scopes=SCOPES, api_base_url=url)
    ada, bob, cy = (_user(url, app, name) for name in ("ada", "bob", "cy"))
    bob_id = bob.me()["id"]
    ada_id = ada.me()["id"]

    # Follow, then post with a hashtag and a mention.
    relationship = ada.account_follow(bob_id)
    assert relationship["following"] is True
    assert ada.account_relationships([bob_id])[0]["following"] is True
    hello = bob.status_post("Hello #Chirp world, ping @cy", idempotency_key="hello-1")
    assert (
        bob.status_post("Hello #Chirp world, ping @cy", idempotency_key="hello-1")["id"]
        == hello["id"]
    )
    assert [t["name"] for t in hello["tags"]] == ["chirp"]
    assert [m["acct"] for m in hello["mentions"]] == ["cy"]
    assert 'href="http://127.0.0.1' in hello["content"]

    home = eventually(lambda: ada.timeline_home(), lambda page: len(page) == 1)
    assert [s["id"] for s in home] == [hello["id"]]

    # Like, retweet, quote and reply.
    ada.status_favourite(hello["id"])
    cy.status_favourite(hello["id"])
    retweet = ada.status_reblog(hello["id"])
    assert retweet["reblog"]["id"] == hello["id"]
    quote = cy.status_post("Worth reading", quoted_status_id=hello["id"])
    assert quote["quote"]["quoted_status"]["id"] == hello["id"]
    reply = ada.status_post("@bob welcome!", in_reply_to_id=hello["id"])
    assert reply["in_reply_to_id"] == hello["id"]

    seen_by_ada = ada.status(hello["id"])
    assert (seen_by_ada["favourites_count"], seen_by_ada["reblogs_count"]) == (2, 1)
    assert (seen_by_ada["replies_count"], seen_by_ada["quotes_count"]) == (1, 1)
    assert seen_by_ada["favourited"] and seen_by_ada["reblogged"]
    assert not bob.status(hello["id"])["favourited"]
    assert {a["acct"] for a in bob.status_favourited_by(hello["id"])} == {"ada", "cy"}

    context = cy.status_context(reply["id"])
    assert [s["id"] for s in context["ancestors"]] == [hello["id"]]
    assert [s["id"] for s in bob.status_context(hello["id"])["descendants"]] == [reply["id"]]

    # Bob's notifications: two likes, a retweet, a quote, a reply mention, a follow.
    notes = eventually(lambda: bob.notifications(), lambda page: len(page) >= 6)
    kinds = sorted(n["type"] for n in notes)
    assert kinds == ["favourite", "favourite", "follow", "mention", "quote", "reblog"]
    assert [n["type"] for n in bob.notifications(types=["follow"])] == ["follow"]
    assert [n["type"] for n in eventually(lambda: cy.notifications(), bool)] == ["mention"]

    # Home pagination follows the Link headers, newest first, without gaps or repeats.
    for n in range(25):
        bob.status_post(f"tweet number {n}")
    first = eventually(
        lambda: ada.timeline_home(limit=10),
        lambda page: len(page) == 10 and "number 24" in page[0]["content"],
    )
    pages = [first]
    while (following := ada.fetch_next(pages[-1])) is not None and len(following) > 0:
        pages.append(following)
    ids = [s["id"] for page in pages for s in page]
    assert len(ids) == len(set(ids)) == 28  # 25 tweets, the reply, the retweet, hello
    assert ids == sorted(ids, reverse=True)
    assert [s["id"] for s in ada.fetch_previous(pages[1])] == [s["id"] for s in first]

    # Search and hashtags.
    found = eventually(
        lambda: cy.search_v2("hello world", result_type="statuses"),
        lambda r: len(r["statuses"]) > 0,
    )
    assert found["statuses"][0]["id"] == hello["id"]
    assert [a["acct"] for a in cy.search_v2("bo", result_type="accounts")["accounts"]] == ["bob"]
    assert cy.search_v2("#chi", result_type="hashtags")["hashtags"][0]["name"].lower() == "chirp"
    assert [s["id"] for s in cy.timeline_hashtag("CHIRP")] == [hello["id"]]

    # Unfollow, delete: tweets leave the home feed.
    ada.account_unfollow(bob_id)
    eventually(
        lambda: ada.timeline_home(), lambda page: all(s["account"]["id"] == ada_id for s in page)
    )
    assert {s["account"]["id"] for s in ada.timeline_home()} == {ada_id}
    bob.status_delete(hello["id"])
    with pytest.raises(MastodonNotFoundError):
        ada.status(hello["id"])
    assert cy.search_v2("hello world", result_type="statuses")["statuses"] == []
    assert bob.account(bob_id)["statuses_count"] == 25
