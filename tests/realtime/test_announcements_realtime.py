"""Announcements on the `user` stream: `announcement`, `announcement.reaction`,
`announcement.delete`, as Mastodon's streaming server sends them."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import orjson
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core.announcements import add_announcement, remove_announcement
from chirp.server.keys import CONTEXT
from tests.helpers import Drain, User
from tests.realtime.test_streaming_api import frames, quiet


async def test_every_user_stream_hears_announcements(
    app: web.Application, client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    url = "/api/v1/streaming?access_token={}&stream={}"
    async with (
        client.ws_connect(url.format(alice.token, "user")) as ws_alice,
        client.ws_connect(url.format(bob.token, "user")) as ws_bob,
        client.ws_connect(url.format(bob.token, "user:notification")) as notes,
    ):
        await asyncio.sleep(0.05)
        announcement = await add_announcement(app[CONTEXT], "Hello #everyone")
        await drain()
        for ws in (ws_alice, ws_bob):
            (frame,) = await frames(ws, 1)
            assert (frame["stream"], frame["event"]) == (["user"], "announcement")
            body = orjson.loads(frame["payload"])
            assert body["id"] == str(announcement.id)
            assert body["content"].startswith("<p>Hello ")
            assert "read" not in body  # rendered for nobody in particular, as Mastodon
        path = f"/api/v1/announcements/{announcement.id}/reactions/{quote('🎉')}"
        assert (await client.put(path, headers=alice.headers)).status == 200
        await drain()
        (frame,) = await frames(ws_bob, 1)
        assert frame["event"] == "announcement.reaction"
        assert orjson.loads(frame["payload"]) == {
            "name": "🎉",
            "count": 1,
            "announcement_id": str(announcement.id),
        }
        assert (await client.delete(path, headers=alice.headers)).status == 200
        await drain()
        (frame,) = await frames(ws_bob, 1)
        assert orjson.loads(frame["payload"])["count"] == 0
        await frames(ws_alice, 2)
        await remove_announcement(app[CONTEXT], announcement.id)
        await drain()
        (frame,) = await frames(ws_alice, 1)
        assert (frame["event"], frame["payload"]) == ("announcement.delete", str(announcement.id))
        await quiet(notes)  # `user:notification` carries notifications only


async def test_unsubscribing_the_user_stream_stops_announcements(
    app: web.Application, client: TestClient, alice: User, drain: Drain
) -> None:
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}") as ws:
        await ws.send_json({"type": "subscribe", "stream": "user"})
        await asyncio.sleep(0.05)
        await add_announcement(app[CONTEXT], "one")
        await drain()
        assert (await frames(ws, 1))[0]["event"] == "announcement"
        await ws.send_json({"type": "unsubscribe", "stream": "user"})
        await asyncio.sleep(0.05)
        await add_announcement(app[CONTEXT], "two")
        await drain()
        await quiet(ws)


async def test_the_sse_user_stream_hears_announcements(
    app: web.Application, client: TestClient, alice: User, drain: Drain
) -> None:
    response = await client.get(f"/api/v1/streaming/user?access_token={alice.token}")
    assert response.status == 200
    await response.content.readline()  # the opening comment
    await asyncio.sleep(0.05)
    announcement = await add_announcement(app[CONTEXT], "over SSE")
    await drain()
    async with asyncio.timeout(3):
        lines = []
        while not lines or lines[-1] != b"\n":
            lines.append(await response.content.readline())
    text = b"".join(lines).decode()
    assert "event: announcement\n" in text
    assert f'"id":"{announcement.id}"' in text
    response.close()
