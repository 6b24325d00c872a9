"""Polls: posted with a tweet (JSON and form), read, voted in, ended (results and `poll`
notifications), edited (votes reset as Mastodon resets them), and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core.context import Context
from tests.handlers.test_custom_emojis import add
from tests.helpers import Drain, User, follow, post, user_token


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path / "data"}  # custom emojis are stored


POLL = {"options": ["tea", "coffee", "water"], "expires_in": 3600}


async def _poll_tweet(client: TestClient, user: User, **poll: Any) -> dict[str, Any]:
    return await post(client, user, "what to drink?", poll={**POLL, **poll})


async def _vote(client: TestClient, user: User, poll_id: str, choices: list[Any]) -> Any:
    return await client.post(
        f"/api/v1/polls/{poll_id}/votes", headers=user.headers, json={"choices": choices}
    )


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    monkeypatch.setattr(Context, "now", staticmethod(lambda: at))


async def test_a_poll_is_posted_with_its_tweet(client: TestClient, alice: User) -> None:
    tweet = await _poll_tweet(client, alice, multiple=True)
    poll = tweet["poll"]
    assert set(poll) == {
        "id",
        "expires_at",
        "expired",
        "multiple",
        "votes_count",
        "voters_count",
        "options",
        "emojis",
        "voted",
        "own_votes",
    }
    assert poll["options"] == [
        {"title": "tea", "votes_count": 0},
        {"title": "coffee", "votes_count": 0},
        {"title": "water", "votes_count": 0},
    ]
    assert (poll["expired"], poll["multiple"], poll["votes_count"]) == (False, True, 0)
    assert poll["voters_count"] == 0
    assert poll["voted"] is True  # the author, as Mastodon
    assert poll["own_votes"] == []
    expires = datetime.fromisoformat(poll["expires_at"].replace("Z", "+00:00"))
    assert abs((expires - datetime.now(UTC)).total_seconds() - 3600) < 60
    shown = await client.get(f"/api/v1/statuses/{tweet['id']}")
    assert (await shown.json())["poll"]["id"] == poll["id"]
    plain = await post(client, alice, "no poll")
    assert plain["poll"] is None


async def test_a_form_post_carries_its_poll(client: TestClient, alice: User) -> None:
    data = [
        ("status", "pick"),
        ("poll[options][]", "a"),
        ("poll[options][]", "b"),
        ("poll[expires_in]", "600"),
        ("poll[multiple]", "true"),
        ("poll[hide_totals]", "1"),
    ]
    response = await client.post("/api/v1/statuses", headers=alice.headers, data=data)
    assert response.status == 200, await response.text()
    poll = (await response.json())["poll"]
    assert [o["title"] for o in poll["options"]] == ["a", "b"]
    assert poll["multiple"] is True
    assert [o["votes_count"] for o in poll["options"]] == [None, None]  # hidden until the end


async def test_show_poll_follows_the_tweets_visibility(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    public = await _poll_tweet(client, alice)
    anonymous = await client.get(f"/api/v1/polls/{public['poll']['id']}")
    assert anonymous.status == 200
    body = await anonymous.json()
    assert "voted" not in body and "own_votes" not in body
    await follow(client, bob, alice)
    private = await post(client, alice, "followers only", poll=POLL, visibility="private")
    poll_id = private["poll"]["id"]
    assert (await client.get(f"/api/v1/polls/{poll_id}", headers=bob.headers)).status == 200
    for headers in (carol.headers, {}):
        hidden = await client.get(f"/api/v1/polls/{poll_id}", headers=headers)
        assert hidden.status == 404
        assert (await hidden.json())["error"] == "Record not found"
    assert (await _vote(client, carol, poll_id, [0])).status == 404
    assert (await client.get("/api/v1/polls/123")).status == 404
    assert (await client.get("/api/v1/polls/nope")).status == 404


async def test_show_poll_with_a_token_needs_read_statuses(client: TestClient, alice: User) -> None:
    tweet = await _poll_tweet(client, alice)
    url = f"/api/v1/polls/{tweet['poll']['id']}"
    wrong = await user_token(client, alice, "read:accounts")
    assert (await client.get(url, headers=wrong)).status == 403
    right = await user_token(client, alice, "read:statuses")
    assert (await client.get(url, headers=right)).status == 200
    bad = await client.get(url, headers={"Authorization": "Bearer nope"})
    assert bad.status == 401


async def test_voting_counts_once_per_account(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    poll_id = (await _poll_tweet(client, alice))["poll"]["id"]
    response = await _vote(client, bob, poll_id, [1])
    assert response.status == 200, await response.text()
    poll = await response.json()
    assert poll["voted"] is True and poll["own_votes"] == [1]
    assert [o["votes_count"] for o in poll["options"]] == [0, 1, 0]
    assert poll["votes_count"] == 1 and poll["voters_count"] is None  # single choice
    again = await _vote(client, bob, poll_id, [0])
    assert again.status == 422
    assert "already voted" in (await again.json())["error"]
    form = await client.post(
        f"/api/v1/polls/{poll_id}/votes", headers=carol.headers, data=[("choices[]", "1")]
    )
    assert form.status == 200, await form.text()
    shown = await (await client.get(f"/api/v1/polls/{poll_id}", headers=carol.headers)).json()
    assert shown["own_votes"] == [1] and shown["votes_count"] == 2
    tweet = await (await client.get(f"/api/v1/statuses/{poll_id}", headers=carol.headers)).json()
    assert tweet.get("error") == "Record not found"  # a poll id is not its tweet's id


async def test_multiple_choice_polls(client: TestClient, alice: User, bob: User) -> None:
    poll_id = (await _poll_tweet(client, alice, multiple=True))["poll"]["id"]
    response = await _vote(client, bob, poll_id, ["0", "2"])
    assert response.status == 200, await response.text()
    poll = await response.json()
    assert poll["own_votes"] == [0, 2]
    assert [o["votes_count"] for o in poll["options"]] == [1, 0, 1]
    assert (poll["votes_count"], poll["voters_count"]) == (2, 1)


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([], "can't be blank"),
        ([3], "does not exist"),
        ([-1], "does not exist"),
        ([0, 1], "already voted"),  # one choice only
        ([0, 0], "already voted"),
        (["x"], "choices"),
    ],
)
async def test_bad_votes_are_refused(
    client: TestClient, alice: User, bob: User, choices: list[Any], message: str
) -> None:
    poll_id = (await _poll_tweet(client, alice))["poll"]["id"]
    response = await _vote(client, bob, poll_id, choices)
    assert response.status == 422
    assert message in (await response.json())["error"]
    poll = await (await client.get(f"/api/v1/polls/{poll_id}")).json()
    assert poll["votes_count"] == 0


async def test_votes_need_a_user_with_write_statuses(
    client: TestClient, alice: User, bob: User
) -> None:
    poll_id = (await _poll_tweet(client, alice))["poll"]["id"]
    url = f"/api/v1/polls/{poll_id}/votes"
    assert (await client.post(url, json={"choices": [0]})).status == 401
    wrong = await user_token(client, bob, "read write:favourites")
    assert (await client.post(url, headers=wrong, json={"choices": [0]})).status == 403
    own = await _vote(client, alice, poll_id, [0])
    assert own.status == 422
    assert "own polls" in (await own.json())["error"]
    assert (await _vote(client, bob, "999", [0])).status == 404


async def test_an_ended_poll_shows_results_and_notifies(
    client: TestClient,
    alice: User,
    bob: User,
    carol: User,
    drain: Drain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tweet = await _poll_tweet(client, alice, hide_totals=True, expires_in=300)
    poll_id = tweet["poll"]["id"]
    assert (await _vote(client, bob, poll_id, [2])).status == 200
    hidden = await (await client.get(f"/api/v1/polls/{poll_id}")).json()
    assert [o["votes_count"] for o in hidden["options"]] == [None, None, None]
    assert hidden["votes_count"] == 1
    await drain()  # not due yet: nobody is told anything
    notified = await client.get("/api/v1/notifications?types[]=poll", headers=bob.headers)
    assert await notified.json() == []
    _later(monkeypatch, 301)
    ended = await (await client.get(f"/api/v1/polls/{poll_id}")).json()
    assert ended["expired"] is True
    assert [o["votes_count"] for o in ended["options"]] == [0, 0, 1]
    late = await _vote(client, carol, poll_id, [0])
    assert late.status == 422
    assert "ended" in (await late.json())["error"]
    await drain()
    await drain()  # once: a second run finds nothing more to do
    for user in (bob, alice):
        response = await client.get("/api/v1/notifications?types[]=poll", headers=user.headers)
        found = await response.json()
        assert len(found) == 1, found
        assert found[0]["type"] == "poll"
        assert found[0]["status"]["id"] == tweet["id"]
        assert found[0]["status"]["poll"]["expired"] is True
        assert found[0]["account"]["id"] == alice.id
    nothing = await client.get("/api/v1/notifications?types[]=poll", headers=carol.headers)
    assert await nothing.json() == []


async def test_editing_the_options_resets_the_votes(
    client: TestClient, alice: User, bob: User
) -> None:
    tweet = await _poll_tweet(client, alice)
    poll_id = tweet["poll"]["id"]
    assert (await _vote(client, bob, poll_id, [0])).status == 200

    async def edit(**fields: Any) -> dict[str, Any]:
        response = await client.put(
            f"/api/v1/statuses/{tweet['id']}",
            headers=alice.headers,
            json={"status": "what to drink?", **fields},
        )
        assert response.status == 200, await response.text()
        return dict(await response.json())

    kept = await edit(poll={**POLL, "expires_in": 7200})  # same options: votes stay
    assert kept["poll"]["id"] == poll_id and kept["poll"]["votes_count"] == 1
    changed = await edit(poll={"options": ["juice", "milk"], "expires_in": 600})
    assert changed["poll"]["id"] == poll_id
    assert [o["title"] for o in changed["poll"]["options"]] == ["juice", "milk"]
    assert changed["poll"]["votes_count"] == 0
    shown = await (await client.get(f"/api/v1/polls/{poll_id}", headers=bob.headers)).json()
    assert shown["voted"] is False and shown["own_votes"] == []
    assert (await _vote(client, bob, poll_id, [1])).status == 200  # may vote again
    dropped = await edit()  # an edit without a poll drops it, as Mastodon's
    assert dropped["poll"] is None
    assert (await client.get(f"/api/v1/polls/{poll_id}")).status == 404
    added = await edit(poll=POLL)
    assert added["poll"] is not None and added["poll"]["votes_count"] == 0


@pytest.mark.parametrize(
    ("poll", "message"),
    [
        ({"options": ["only"], "expires_in": 600}, "more than one"),
        ({"options": ["a", "a"], "expires_in": 600}, "duplicate"),
        ({"options": ["a", " "], "expires_in": 600}, "blank"),
        ({"options": ["a", "b"], "expires_in": 299}, "too soon"),
        ({"options": ["a", "b"], "expires_in": 2629747}, "too far"),
        ({"options": ["a", "b"]}, "expires_in"),
        ({"options": ["a", "b"], "expires_in": "soon"}, "expires_in"),
        ({"expires_in": 600}, "options"),
    ],
)
async def test_bad_polls_are_refused(
    client: TestClient, alice: User, poll: dict[str, Any], message: str
) -> None:
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "x", "poll": poll}
    )
    assert response.status == 422
    assert message in (await response.json())["error"]
    timeline = await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    assert await timeline.json() == []


async def test_a_deleted_tweet_takes_its_poll(
    client: TestClient, alice: User, drain: Drain
) -> None:
    tweet = await _poll_tweet(client, alice)
    deleted = await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=alice.headers)
    assert deleted.status == 200
    assert (await deleted.json())["poll"]["id"] == tweet["poll"]["id"]  # delete and redraft
    await drain()
    assert (await client.get(f"/api/v1/polls/{tweet['poll']['id']}")).status == 404


async def test_a_retweet_shows_the_originals_poll(
    client: TestClient, alice: User, bob: User
) -> None:
    tweet = await _poll_tweet(client, alice)
    retweet = await client.post(f"/api/v1/statuses/{tweet['id']}/reblog", headers=bob.headers)
    body = await retweet.json()
    assert body["poll"] is None
    assert body["reblog"]["poll"]["id"] == tweet["poll"]["id"]
    assert body["reblog"]["poll"]["voted"] is False


async def test_option_emojis_are_listed(
    client: TestClient, app: web.Application, alice: User
) -> None:
    await add(app, "blobcat")
    tweet = await _poll_tweet(client, alice, options=[":blobcat: yes", "no"])
    assert [e["shortcode"] for e in tweet["poll"]["emojis"]] == ["blobcat"]
