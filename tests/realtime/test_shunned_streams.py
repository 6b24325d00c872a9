"""Streams filter blocked and muted accounts per subscriber: a tweet is serialized once, and
each socket drops what involves an account it blocks, is blocked by or mutes (public, hashtag
and user streams), while others' tweets still arrive. Blocks and mutes made while connected
apply at once; the in-stream filter is also tested on the hub alone, replay included."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp.test_utils import TestClient

from chirp.bus import open_bus
from chirp.core.topics import PUBLIC, SHUNNING, shunning
from chirp.realtime import involved
from chirp.realtime.hub import Hub, Viewer
from chirp.realtime.subscriptions import StreamRequest
from tests.helpers import Drain, User, act, follow, post
from tests.realtime.test_hub import RecordingOutlet
from tests.realtime.test_streaming_api import frames, quiet


async def shun(client: TestClient, user: User, other: User, how: str) -> None:
    response = await client.post(f"/api/v1/accounts/{other.id}/{how}", headers=user.headers)
    assert response.status == 200, await response.text()


def ids(got: list[dict[str, object]]) -> set[str]:
    return {orjson.loads(str(f["payload"]))["id"] for f in got}


async def test_public_and_hashtag_streams_drop_muted_and_blocked_authors(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    dave_blocks = carol  # carol blocks alice: alice must not see carol's tweets either
    await shun(client, alice, bob, "mute")
    await shun(client, dave_blocks, alice, "block")
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}") as ws:
        await ws.send_json({"type": "subscribe", "stream": "public"})
        await ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": "news"})
        await asyncio.sleep(0.05)
        await post(client, bob, "muted #news")
        await post(client, carol, "blocker #news")
        await drain()
        await quiet(ws)
        mine = await post(client, alice, "mine #news @bob")  # own tweets always arrive
        await drain()
        got = await frames(ws, 2)
        assert ids(got) == {mine["id"]}
        await quiet(ws)
    # Someone else's socket gets them all.
    async with client.ws_connect("/api/v1/streaming?stream=public") as ws:
        await asyncio.sleep(0.05)
        one = await post(client, bob, "for everyone")
        await drain()
        assert ids(await frames(ws, 1)) == {one["id"]}


async def test_user_stream_drops_muted_accounts_and_their_retweets(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    await shun(client, alice, bob, "mute")
    await drain()
    url = f"/api/v1/streaming?access_token={alice.token}&stream=user"
    async with client.ws_connect(url) as ws:
        await asyncio.sleep(0.05)
        by_bob = await post(client, bob, "muted")
        await drain()
        await act(client, carol, by_bob["id"], "reblog")
        await drain()
        await quiet(ws)
        by_carol = await post(client, carol, "friend")
        await drain()
        assert ids(await frames(ws, 1)) == {by_carol["id"]}
        await quiet(ws)


async def test_a_block_or_mute_made_while_connected_applies_at_once(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}") as ws:
        await ws.send_json({"type": "subscribe", "stream": "public"})
        await asyncio.sleep(0.05)
        first = await post(client, bob, "before")
        await drain()
        assert ids(await frames(ws, 1)) == {first["id"]}
        await shun(client, bob, alice, "block")  # blocked by bob: bob's tweets disappear
        await asyncio.sleep(0.05)
        await post(client, bob, "after the block")
        await drain()
        await quiet(ws)
        await shun(client, bob, alice, "unblock")
        await asyncio.sleep(0.05)
        back = await post(client, bob, "unblocked")
        await drain()
        assert ids(await frames(ws, 1)) == {back["id"]}


async def test_the_hub_filters_per_subscriber_live_and_on_replay() -> None:
    bus = open_bus("memory://", history=100, per_topic=10)
    hub = Hub(bus)
    await bus.start(hub.deliver)
    muter, other = RecordingOutlet(), RecordingOutlet()
    await hub.connect(muter, None, Viewer(1, frozenset({7})))
    await hub.connect(other, None, Viewer(2))
    for outlet in (muter, other):
        await hub.subscribe(outlet, StreamRequest(PUBLIC, ("public",)))
    first = await bus.publish([PUBLIC], "update", involved.tag('{"id":"10"}', [7]))
    await bus.publish([PUBLIC], "update", involved.tag('{"id":"11"}', [8, 7]))  # mentions 7
    await bus.publish([PUBLIC], "update", involved.tag('{"id":"12"}', [1, 7]))  # its own
    await bus.publish([PUBLIC], "update", involved.tag('{"id":"13"}', [8]))
    payloads = [orjson.loads(f)["payload"] for f in muter.frames]
    assert payloads == ['{"id":"12"}', '{"id":"13"}']  # the ids never reach the wire
    assert len(other.frames) == 4
    assert other.frames[3] is muter.frames[1]  # the same bytes: encoded once
    # Replayed messages are filtered too.
    late = RecordingOutlet()
    await hub.connect(late, None, Viewer(3, frozenset({8})))
    await hub.subscribe(late, StreamRequest(PUBLIC, ("public",)), since=first)
    assert [orjson.loads(f)["payload"] for f in late.frames] == ['{"id":"12"}']
    # A change of the account's set reaches its connections.
    await bus.publish([shunning(1)], SHUNNING, "", keep=False)
    await bus.publish([PUBLIC], "update", involved.tag('{"id":"14"}', [7]))
    assert orjson.loads(muter.frames[-1])["payload"] == '{"id":"14"}'


def test_involved_ids_split_off_the_payload() -> None:
    tagged = involved.tag('{"a":1}', [3, 4, 3])
    assert involved.split(tagged) == ((3, 4), '{"a":1}')
    assert involved.split("123") == ((), "123")  # a bare id, as `delete` sends
    assert involved.hides(frozenset({4}), 9, (3, 4))
    assert not involved.hides(frozenset({4}), 3, (3, 4))  # the viewer's own tweet
    assert not involved.hides(frozenset({5}), 9, (3, 4))
