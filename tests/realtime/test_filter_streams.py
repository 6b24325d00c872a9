"""Streams apply each subscriber's content filters: a tweet a `hide` filter matches never
reaches that socket, a `warn` match arrives with its `filtered` results, other subscribers
get the tweet as it is, filters changed while connected apply at once, and notifications of
hidden tweets are not pushed."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, follow, post
from tests.realtime.test_streaming_api import frames, quiet


async def _filter(client: TestClient, user: User, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v2/filters", headers=user.headers, json=fields)
    assert response.status == 200, await response.text()
    return dict(await response.json())


def _payloads(got: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [orjson.loads(str(f["payload"])) for f in got]


async def test_the_user_stream_hides_and_marks_per_subscriber(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, carol, bob)
    await drain()
    await _filter(
        client,
        alice,
        title="hide",
        context=["home"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "crypto"}],
    )
    warn = await _filter(
        client, alice, title="warn", context=["home"], keywords_attributes=[{"keyword": "finale"}]
    )
    user = "/api/v1/streaming?stream=user&access_token="
    async with (
        client.ws_connect(user + alice.token) as a,
        client.ws_connect(user + carol.token) as c,
    ):
        await asyncio.sleep(0.05)
        await post(client, bob, "buy crypto")
        marked = await post(client, bob, "the finale!")
        await drain()
        [got] = _payloads(await frames(a, 1))
        assert got["id"] == marked["id"]
        assert got["filtered"][0]["filter"]["id"] == warn["id"]
        assert got["filtered"][0]["keyword_matches"] == ["finale"]
        await quiet(a)
        # Carol has no filters: both, unmarked.
        theirs = _payloads(await frames(c, 2))
        assert [p["filtered"] for p in theirs] == [[], []]


async def test_filters_changed_while_connected_apply_at_once(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    async with client.ws_connect(
        f"/api/v1/streaming?stream=public&access_token={alice.token}"
    ) as ws:
        await asyncio.sleep(0.05)
        created = await _filter(
            client,
            alice,
            title="p",
            context=["public"],
            filter_action="hide",
            keywords_attributes=[{"keyword": "spoiler"}],
        )
        await asyncio.sleep(0.05)
        await post(client, bob, "a spoiler")
        await drain()
        await quiet(ws)
        removed = await client.delete(f"/api/v2/filters/{created['id']}", headers=alice.headers)
        assert removed.status == 200
        await asyncio.sleep(0.05)
        shown = await post(client, bob, "another spoiler")
        await drain()
        assert [p["id"] for p in _payloads(await frames(ws, 1))] == [shown["id"]]


async def test_notifications_of_hidden_tweets_are_not_pushed(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await _filter(
        client,
        alice,
        title="n",
        context=["notifications"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "spam"}],
    )
    url = f"/api/v1/streaming?stream=user:notification&access_token={alice.token}"
    async with client.ws_connect(url) as ws:
        await asyncio.sleep(0.05)
        await post(client, bob, "@alice spam")
        await drain()
        await quiet(ws)
        fine = await post(client, bob, "@alice hello")
        await drain()
        [note] = _payloads(await frames(ws, 1))
        assert note["status"]["id"] == fine["id"]
