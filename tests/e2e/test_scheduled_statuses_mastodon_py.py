"""Scheduled posts end to end: Mastodon.py schedules, lists, moves and cancels, against a
real `chirp serve` subprocess (publication on time is proven in the API tests, whose clock
the test may move)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from tests.e2e.process import ChirpProcess
from tests.e2e.test_tags_mastodon_py import SCOPES, _user


def test_scheduled_posts_with_mastodon_py(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    app = Mastodon.create_app("chirp scheduled e2e", scopes=SCOPES, api_base_url=url)
    ada, bob = _user(url, app, "ada"), _user(url, app, "bob")
    at = datetime.now(UTC) + timedelta(hours=1)
    scheduled = ada.status_post("Good morning!", scheduled_at=at, visibility="unlisted")
    assert scheduled["params"]["text"] == "Good morning!"
    assert abs((scheduled["scheduled_at"] - at).total_seconds()) < 1
    assert [s["id"] for s in ada.scheduled_statuses()] == [scheduled["id"]]
    assert ada.scheduled_status(scheduled["id"])["params"]["visibility"] == "unlisted"
    with pytest.raises(MastodonNotFoundError):
        bob.scheduled_status(scheduled["id"])
    later = at + timedelta(hours=1)
    moved = ada.scheduled_status_update(scheduled["id"], later)
    assert abs((moved["scheduled_at"] - later).total_seconds()) < 1
    with pytest.raises(MastodonAPIError):
        ada.status_post("too soon", scheduled_at=datetime.now(UTC) + timedelta(minutes=1))
    ada.scheduled_status_delete(scheduled["id"])
    assert ada.scheduled_statuses() == []
    assert ada.account_statuses(ada.me()["id"]) == []
