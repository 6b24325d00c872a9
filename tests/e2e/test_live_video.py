"""Live video end to end through `chirp serve`: a streamer gets a key from the API, a synthetic
ffmpeg encoder publishes over RTMP, a follower's `websockets` client hears `stream.live`, the
signed playback URL serves the HLS ladder, chat goes both ways, and when the encoder stops and
the reconnect grace period runs out, `stream.ended` arrives and the replay has EXT-X-ENDLIST."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import aiohttp
import orjson
import websockets
from mastodon import Mastodon

from tests.e2e.process import ChirpProcess, free_port, register
from tests.video.publisher import publish


def _headers(user: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {user['token']}"}


@asynccontextmanager
async def _socket(node: ChirpProcess, user: dict[str, str]) -> AsyncIterator[Any]:
    url = f"ws://127.0.0.1:{node.port}/api/v1/streaming?access_token={user['token']}"
    async with websockets.connect(url) as ws:
        yield ws


async def _send(ws: Any, body: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(body).decode())


async def _next(ws: Any, event: str, timeout: float) -> dict[str, Any]:
    """The next frame carrying `event` (others, e.g. viewer counts, are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = orjson.loads(await ws.recv())
            if frame.get("event") == event:
                return dict(frame)


async def _playlist(http: aiohttp.ClientSession, url: str, timeout: float = 20.0) -> str:
    """A playlist once it is there (players retry the same way)."""
    async with asyncio.timeout(timeout):
        while True:
            async with http.get(url) as response:
                if response.status == 200:
                    return await response.text()
            await asyncio.sleep(0.2)


def test_publish_watch_chat_and_end_through_chirp_serve(tmp_path: Path) -> None:
    rtmp_port = free_port()
    node = ChirpProcess(
        tmp_path / "data",
        env={
            "CHIRP_RTMP_PORT": str(rtmp_port),
            "CHIRP_LIVE_SEGMENT_SECONDS": "1",
            "CHIRP_LIVE_RECONNECT_GRACE_SECONDS": "1",
        },
    ).start()
    try:
        asyncio.run(_scenario(node, rtmp_port))
    finally:
        assert node.stop() == 0, node.logs()


async def _scenario(node: ChirpProcess, rtmp_port: int) -> None:
    streamer = await asyncio.to_thread(register, node.url, "streamer")
    fan = await asyncio.to_thread(register, node.url, "fan")
    api = f"{node.url}/api/v1/chirp"
    async with aiohttp.ClientSession() as http:
        followed = await http.post(
            f"{node.url}/api/v1/accounts/{streamer['id']}/follow", headers=_headers(fan)
        )
        assert followed.status == 200
        created = await http.post(
            f"{api}/streams",
            headers=_headers(streamer),
            json={"title": "e2e live", "visibility": "private"},
        )
        stream = await created.json()
        assert stream["state"] == "created"
        key_response = await http.post(f"{api}/stream_key", headers=_headers(streamer))
        key = await key_response.json()
        assert key["rtmp_url"] == f"rtmp://127.0.0.1:{rtmp_port}/live"

        async with _socket(node, fan) as fan_ws, _socket(node, streamer) as streamer_ws:
            await _send(fan_ws, {"type": "subscribe", "stream": "user"})
            for ws in (fan_ws, streamer_ws):
                await _send(ws, {"type": "subscribe", "stream": "chirp:live", "id": stream["id"]})
            await asyncio.sleep(0.2)

            # A wrong key is refused before any work: the encoder fails, nothing goes live.
            wrong = await publish(f"{key['rtmp_url']}/{'x' * 43}", seconds=2)
            assert await asyncio.wait_for(wrong.wait(), 20) != 0

            encoder = await publish(f"{key['rtmp_url']}/{key['stream_key']}", seconds=6)
            try:
                live = await _next(fan_ws, "stream.live", timeout=30)
                assert live["stream"] == ["user"]
                payload = orjson.loads(live["payload"])
                assert (payload["id"], payload["state"]) == (stream["id"], "live")
                master_url = payload["playback_url"]
                assert "signature=" in master_url  # a followers-only stream
                master = await _playlist(http, master_url)
                assert "#EXT-X-STREAM-INF" in master and "CODECS=" in master
                variant_url = urljoin(master_url, master.splitlines()[-1])
                assert "#EXTINF" in await _playlist(http, variant_url)

                # Chat both ways: the streamer over REST, the fan over the socket.
                said = await http.post(
                    f"{api}/streams/{stream['id']}/chat",
                    headers=_headers(streamer),
                    json={"text": "hello, fans"},
                )
                assert said.status == 200
                heard = await _next(fan_ws, "stream.chat", timeout=5)
                assert orjson.loads(heard["payload"])["content"] == "hello, fans"
                await _send(fan_ws, {"type": "chat", "id": stream["id"], "text": "hi <3"})
                own = await _next(streamer_ws, "stream.chat", timeout=5)  # every watcher hears it
                assert orjson.loads(own["payload"])["content"] == "hello, fans"
                reply = await _next(streamer_ws, "stream.chat", timeout=5)
                message = orjson.loads(reply["payload"])
                assert (message["content"], message["account"]["id"]) == ("hi &lt;3", fan["id"])
            finally:
                await encoder.wait()

            # The encoder stopped; one second of grace later the stream is over.
            ended = await _next(fan_ws, "stream.ended", timeout=30)
            assert orjson.loads(ended["payload"])["state"] == "ended"
            replay = await _playlist(http, variant_url)
            assert "#EXT-X-ENDLIST" in replay
        shown = await (
            await http.get(f"{api}/streams/{stream['id']}", headers=_headers(fan))
        ).json()
        assert shown["state"] == "ended" and shown["ended_at"]
    # A stock Mastodon client reads the extension notification without tripping over it.
    client = Mastodon(access_token=fan["token"], api_base_url=node.url)
    notes = await asyncio.to_thread(client.notifications)
    live_notes = [n for n in notes if n["type"] == "chirp.live"]
    assert [str(n["stream"]["id"]) for n in live_notes] == [stream["id"]]
    assert str(live_notes[0]["account"]["id"]) == streamer["id"]
