"""Live streams on the streaming websocket, with the `websockets` library against the app:
`stream.live`/`stream.ended` to followers, the `chirp:live` stream (chat, deletions, viewer
counts, end), chat sent over the socket, and who may see what."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
import websockets
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core.live import finish_stream
from chirp.server.keys import CONTEXT, LIVE_HOOKS, RELAY
from chirp.video.playback import blob_prefix
from chirp.video.relay import ENDED_PLAYLIST_CACHE, MASTER_CACHE
from tests.handlers.test_live_streams import STREAMS, create, go_live, send
from tests.helpers import Drain, User, follow

Socket = websockets.ClientConnection


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path, "live_viewer_ttl_seconds": 1.0}


@asynccontextmanager
async def socket(client: TestClient, user: User | None = None) -> AsyncIterator[Socket]:
    url = str(client.make_url("/api/v1/streaming")).replace("http://", "ws://", 1)
    if user is not None:
        url += f"?access_token={user.token}"
    async with websockets.connect(url) as ws:
        yield ws


async def receive(ws: Socket, timeout: float = 3.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        message = await ws.recv()
    assert isinstance(message, str), message  # JSON, errors included, goes out as text frames
    return dict(orjson.loads(message))


async def events(ws: Socket, count: int, timeout: float = 3.0) -> list[dict[str, Any]]:
    return [await receive(ws, timeout) for _ in range(count)]


async def quiet(ws: Socket, seconds: float = 0.3) -> None:
    with pytest.raises(TimeoutError):
        frame = await receive(ws, seconds)
        raise AssertionError(f"unexpected frame: {frame}")


async def command(ws: Socket, body: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(body).decode())  # a text message, as browsers send JSON


async def watch(ws: Socket, stream: dict[str, Any]) -> None:
    await command(ws, {"type": "subscribe", "stream": "chirp:live", "id": stream["id"]})
    await asyncio.sleep(0.05)  # subscribed before anything is published


async def subscribe_user(ws: Socket) -> None:
    await command(ws, {"type": "subscribe", "stream": "user"})
    await asyncio.sleep(0.05)


async def test_followers_hear_going_live_and_ending(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    await drain()
    stream = await create(client, alice, "my show", "private")
    async with socket(client, bob) as follower, socket(client, carol) as stranger:
        await subscribe_user(follower)
        await subscribe_user(stranger)
        await go_live(app, stream, drain)
        got = {f["event"]: f for f in await events(follower, 2)}
        assert set(got) == {"stream.live", "notification"}
        assert got["stream.live"]["stream"] == ["user"]
        live = orjson.loads(got["stream.live"]["payload"])
        assert (live["id"], live["state"], live["title"]) == (stream["id"], "live", "my show")
        assert "signature=" in live["playback_url"]
        note = orjson.loads(got["notification"]["payload"])
        assert note["type"] == "chirp.live" and note["stream"]["id"] == stream["id"]

        await client.post(f"{STREAMS}/{stream['id']}/end", headers=alice.headers)
        await drain()
        ended = await receive(follower)
        assert ended["event"] == "stream.ended"
        assert orjson.loads(ended["payload"])["state"] == "ended"
        await quiet(stranger)


async def test_chat_and_end_reach_watchers(
    client: TestClient, app: web.Application, alice: User, bob: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    async with socket(client) as anonymous, socket(client, bob) as viewer:
        for ws in (anonymous, viewer):
            await watch(ws, stream)
        sent = await (await send(client, alice, stream, "welcome <all>")).json()
        await command(viewer, {"type": "chat", "id": stream["id"], "text": "hi!"})
        for ws in (anonymous, viewer):
            first, second = await events(ws, 2)
            assert first["stream"] == ["chirp:live", stream["id"]]
            assert first["event"] == second["event"] == "stream.chat"
            assert orjson.loads(first["payload"]) == sent
            message = orjson.loads(second["payload"])
            assert message["content"] == "hi!" and message["account"]["id"] == bob.id

        url = f"{STREAMS}/{stream['id']}/chat/{sent['id']}"
        assert (await client.delete(url, headers=alice.headers)).status == 200
        deleted = await receive(anonymous)
        assert (deleted["event"], deleted["payload"]) == ("stream.chat.delete", sent["id"])

        await client.post(f"{STREAMS}/{stream['id']}/end", headers=alice.headers)
        await drain()
        for ws in (anonymous, viewer):
            frame = await receive(ws)
            if frame["event"] == "stream.chat.delete":
                frame = await receive(ws)
            assert frame["event"] == "stream.ended"
            assert orjson.loads(frame["payload"])["state"] == "ended"


async def test_chat_refusals_come_back_as_error_events(
    client: TestClient, app: web.Application, alice: User, bob: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    await go_live(app, stream, drain)

    async def refusal(ws: Socket, text: Any = "hello", stream_id: str = stream["id"]) -> Any:
        await command(ws, {"type": "chat", "id": stream_id, "text": text})
        frame = await receive(ws)
        assert frame["event"] == "error" and frame["stream"] == ["chirp:live", stream_id]
        return orjson.loads(frame["payload"])

    async with socket(client) as anonymous:
        assert (await refusal(anonymous))["status"] == 401
    async with socket(client, bob) as ws:
        assert (await refusal(ws, text=""))["status"] == 422
        assert (await refusal(ws, text=5))["status"] == 422
        assert (await refusal(ws, stream_id="123"))["status"] == 404
        for n in range(5):
            await command(ws, {"type": "chat", "id": stream["id"], "text": f"{n}"})
        limited = await refusal(ws, "sixth")
        assert limited["status"] == 429 and 1 <= limited["retry_after"] <= 5
        await client.post(
            f"{STREAMS}/{stream['id']}/bans", headers=alice.headers, json={"account_id": bob.id}
        )
        assert (await refusal(ws, "still here?"))["status"] == 403


async def test_private_streams_are_watched_by_followers_only(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    stream = await create(client, alice, visibility="private")
    await go_live(app, stream, drain)
    async with socket(client) as anonymous, socket(client, carol) as stranger:
        for ws in (anonymous, stranger):
            await watch(ws, stream)
            refused = await receive(ws)
            assert refused["status"] == 404
    async with socket(client, bob) as follower, socket(client, carol) as stranger:
        await watch(follower, stream)
        await watch(stranger, stream)  # refused, so it hears nothing that follows
        await receive(stranger)
        await send(client, alice, stream, "followers only")
        frame = await receive(follower)
        assert orjson.loads(frame["payload"])["content"] == "followers only"
        await quiet(stranger)


async def test_viewer_counts_are_pushed_coalesced_and_expire(
    client: TestClient, app: web.Application, alice: User, bob: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    url = f"{STREAMS}/{stream['id']}/heartbeat"
    async with socket(client, bob) as viewer:
        await watch(viewer, stream)
        for n in range(3):
            await client.post(url, json={"viewer": f"player-{n}-0123456789"})
        counts = []
        while not counts or counts[-1] != 3:
            frame = await receive(viewer)
            assert frame["event"] == "stream.viewers"
            payload = orjson.loads(frame["payload"])
            assert payload["stream_id"] == stream["id"]
            counts.append(payload["viewers_count"])
        assert len(counts) < 3  # three changes, fewer pushes
        # The players stop sending heartbeats: after the time to live, nobody is watching.
        expired = await receive(viewer, timeout=4.0)
        assert orjson.loads(expired["payload"])["viewers_count"] == 0


async def test_ending_through_the_api_drops_the_publisher(
    client: TestClient, app: web.Application, alice: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    key = (await (await client.post("/api/v1/chirp/stream_key", headers=alice.headers)).json())[
        "stream_key"
    ]
    session, reason = await app[RELAY].open_session(key)
    assert session is not None, reason
    kicked = asyncio.Event()
    session.kick = kicked.set
    assert app[LIVE_HOOKS] is not app[RELAY].hooks  # the relay listens for ends elsewhere
    await client.post(f"{STREAMS}/{stream['id']}/end", headers=alice.headers)
    await drain()
    async with asyncio.timeout(3):
        await kicked.wait()
    await session.close()  # what the ingest does once its publisher is gone


@pytest.mark.parametrize("visibility", ["public", "private"])
async def test_stream_ended_waits_for_the_replay(
    client: TestClient, app: web.Application, alice: User, drain: Drain, visibility: str
) -> None:
    stream = await create(client, alice, visibility=visibility)
    await go_live(app, stream, drain)
    blobs = app[CONTEXT].blobs
    assert blobs is not None
    private = visibility == "private"
    folder = blob_prefix(blobs, int(stream["id"]), private=private)
    master = f"{folder}/master.m3u8"
    await blobs.put(master, b"#EXTM3U\n", content_type="x", cache_control=MASTER_CACHE)
    async with socket(client, alice) as viewer:
        await watch(viewer, stream)
        await client.post(f"{STREAMS}/{stream['id']}/end", headers=alice.headers)
        await drain()
        await quiet(viewer, 0.6)  # the relay is still writing the replay: not yet
        await blobs.put(master, b"#EXTM3U\n", content_type="x", cache_control=ENDED_PLAYLIST_CACHE)
        frame = await receive(viewer)
        assert frame["event"] == "stream.ended"
        assert orjson.loads(frame["payload"])["state"] == "ended"


async def test_stream_ended_by_an_expired_relay_lease_goes_out_at_once(
    client: TestClient, app: web.Application, alice: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    ctx = app[CONTEXT]
    assert ctx.blobs is not None
    master = f"live/{stream['id']}/master.m3u8"
    await ctx.blobs.put(master, b"#EXTM3U\n", content_type="x", cache_control=MASTER_CACHE)
    async with socket(client) as viewer:
        await watch(viewer, stream)
        # Its node died: no replay will ever be completed, nothing to wait for.
        assert await finish_stream(ctx, int(stream["id"]), relay_gone=True) is not None
        await drain()
        assert (await receive(viewer, 1.0))["event"] == "stream.ended"
