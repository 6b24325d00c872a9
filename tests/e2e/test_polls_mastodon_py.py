"""Polls end to end: Mastodon.py posts one (as a form, as it does), another account votes,
and both read the results, against a real `chirp serve` subprocess."""

from __future__ import annotations

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from tests.e2e.process import ChirpProcess
from tests.e2e.test_tags_mastodon_py import SCOPES, _user


def test_a_poll_with_mastodon_py(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    app = Mastodon.create_app("chirp polls e2e", scopes=SCOPES, api_base_url=url)
    ada, bob = _user(url, app, "ada"), _user(url, app, "bob")
    limits = ada.instance()["configuration"]["polls"]
    assert limits["max_options"] == 4

    poll = ada.make_poll(["tea", "coffee", "water"], expires_in=600, multiple=True)
    tweet = ada.status_post("What do you drink?", poll=poll)
    assert [o["title"] for o in tweet["poll"]["options"]] == ["tea", "coffee", "water"]
    assert tweet["poll"]["multiple"] is True and tweet["poll"]["expired"] is False
    poll_id = tweet["poll"]["id"]

    seen = bob.poll(poll_id)
    assert seen["voted"] is False and seen["own_votes"] == []
    voted = bob.poll_vote(poll_id, [0, 2])
    assert voted["voted"] is True and voted["own_votes"] == [0, 2]
    assert [o["votes_count"] for o in voted["options"]] == [1, 0, 1]
    assert (voted["votes_count"], voted["voters_count"]) == (2, 1)
    with pytest.raises(MastodonAPIError):
        bob.poll_vote(poll_id, [1])  # once per account
    with pytest.raises(MastodonAPIError):
        ada.poll_vote(poll_id, [1])  # not in one's own poll

    # The author reads the results, on the poll and on the tweet.
    results = ada.poll(poll_id)
    assert [o["votes_count"] for o in results["options"]] == [1, 0, 1]
    assert ada.status(tweet["id"])["poll"]["votes_count"] == 2

    # A followers-only poll is hidden from whoever may not see its tweet.
    hidden = ada.status_post(
        "Followers only", poll=ada.make_poll(["a", "b"], expires_in=600), visibility="private"
    )
    with pytest.raises(MastodonNotFoundError):
        bob.poll(hidden["poll"]["id"])
    bad = ada.make_poll(["a", "b"], expires_in=60)
    with pytest.raises(MastodonAPIError):
        ada.status_post("too short", poll=bad)
