"""Live streams across two `chirp serve` nodes sharing one store, one media store and one real
Redis: the encoder publishes to node A's RTMP ingest while the fan and the API calls are on
node B (and chat on both); going live, chat and viewer counts cross over, and ending the
stream through node B's API drops the publisher on node A at once. Then node A dies (SIGKILL)
mid-stream: node B ends that stream once its relay lease runs out."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import aiohttp
import orjson
import websockets

from tests.e2e.process import ChirpProcess, free_port, register
from tests.e2e.test_live_video import _headers, _next, _send
from tests.redis_server import redis_server
from tests.video import hls_checker
from tests.video.publisher import publish


def test_live_stream_across_two_nodes(tmp_path: Path) -> None:
    rtmp_port = free_port()
    with redis_server(tmp_path / "redis") as redis_url:
        shared = {
            "CHIRP_BUS": redis_url,
            "CHIRP_STORE": f"sqlite:///{tmp_path / 'shared.db'}",
            "CHIRP_MEDIA_STORE": f"file://{tmp_path / 'media'}",
            "CHIRP_LIVE_SEGMENT_SECONDS": "1",
            # Longer than the test: only the API's end can stop the stream in time.
            "CHIRP_LIVE_RECONNECT_GRACE_SECONDS": "60",
            # A dead ingest node's streams are ended by the other node within seconds.
            "CHIRP_LIVE_RELAY_LEASE_SECONDS": "4",
        }
        ingest = ChirpProcess(
            tmp_path / "a",
            name="ingest",
            env={**shared, "CHIRP_NODE_ID": "1", "CHIRP_RTMP_PORT": str(rtmp_port)},
        ).start()
        api = ChirpProcess(tmp_path / "b", name="api", env={**shared, "CHIRP_NODE_ID": "2"})
        try:
            api.start()
            asyncio.run(_scenario(ingest, api, rtmp_port, tmp_path / "media"))
        finally:
            api.stop()
            ingest.stop()


async def _scenario(ingest: ChirpProcess, api: ChirpProcess, rtmp_port: int, media: Path) -> None:
    streamer = await asyncio.to_thread(register, api.url, "streamer")
    fan = await asyncio.to_thread(register, api.url, "fan")
    async with aiohttp.ClientSession() as http:
        await http.post(f"{api.url}/api/v1/accounts/{streamer['id']}/follow", headers=_headers(fan))
        stream = await (
            await http.post(
                f"{api.url}/api/v1/chirp/streams",
                headers=_headers(streamer),
                json={"title": "two nodes"},
            )
        ).json()
        key = await (
            await http.post(f"{api.url}/api/v1/chirp/stream_key", headers=_headers(streamer))
        ).json()
        assert key["rtmp_url"] is None  # node B has no ingest of its own

        url = f"ws://127.0.0.1:{api.port}/api/v1/streaming?access_token={fan['token']}"
        async with websockets.connect(url) as fan_ws:
            await _send(fan_ws, {"type": "subscribe", "stream": "user"})
            await _send(fan_ws, {"type": "subscribe", "stream": "chirp:live", "id": stream["id"]})
            await asyncio.sleep(0.3)
            encoder = await publish(
                f"rtmp://127.0.0.1:{rtmp_port}/live/{key['stream_key']}", seconds=60
            )
            try:
                live = await _next(fan_ws, "stream.live", timeout=30)
                assert orjson.loads(live["payload"])["id"] == stream["id"]
                await _low_latency_on_the_other_node(http, api, stream["id"])

                chat_url = f"{ingest.url}/api/v1/chirp/streams/{stream['id']}/chat"
                said = await http.post(chat_url, headers=_headers(streamer), json={"text": "hi B"})
                assert said.status == 200
                heard = await _next(fan_ws, "stream.chat", timeout=5)
                assert orjson.loads(heard["payload"])["content"] == "hi B"

                beat = await http.post(
                    f"{ingest.url}/api/v1/chirp/streams/{stream['id']}/heartbeat",
                    json={"viewer": "player-on-node-a-0001"},
                )
                assert (await beat.json()) == {"viewers_count": 1}
                viewers = await _next(fan_ws, "stream.viewers", timeout=5)
                assert orjson.loads(viewers["payload"])["viewers_count"] == 1

                ended_at = time.monotonic()
                end = await http.post(
                    f"{api.url}/api/v1/chirp/streams/{stream['id']}/end",
                    headers=_headers(streamer),
                )
                assert (await end.json())["state"] == "ended"
                await _next(fan_ws, "stream.ended", timeout=10)
                # Node A dropped the encoder (its RTMP connection closed) long before its 60 s.
                await asyncio.wait_for(encoder.wait(), 15)
                assert time.monotonic() - ended_at < 15
                # ...and wrote the replay's final playlists, without waiting out the grace.
                folder = media / "live" / stream["id"]
                variant = (folder / "master.m3u8").read_text().splitlines()[-1]
                async with asyncio.timeout(10):
                    while "#EXT-X-ENDLIST" not in (folder / variant).read_text():
                        await asyncio.sleep(0.2)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    encoder.kill()
                await encoder.wait()

            orphan = await (
                await http.post(
                    f"{api.url}/api/v1/chirp/streams",
                    headers=_headers(streamer),
                    json={"title": "the node will die"},
                )
            ).json()
            await _send(fan_ws, {"type": "subscribe", "stream": "chirp:live", "id": orphan["id"]})
            encoder = await publish(
                f"rtmp://127.0.0.1:{rtmp_port}/live/{key['stream_key']}", seconds=60
            )
            try:
                live = await _next(fan_ws, "stream.live", timeout=30)
                assert orjson.loads(live["payload"])["id"] == orphan["id"]
                assert ingest.process is not None
                ingest.process.kill()  # no graceful shutdown: the relay never says `ended`
                ended = await _next(fan_ws, "stream.ended", timeout=20)
                assert orjson.loads(ended["payload"])["id"] == orphan["id"]
            finally:
                with contextlib.suppress(ProcessLookupError):  # it may have ended with the node
                    encoder.kill()
                await encoder.wait()
        shown = await (await http.get(f"{api.url}/api/v1/chirp/streams?limit=40")).json()
        assert shown == []  # nothing stays "live" forever


async def _low_latency_on_the_other_node(
    http: aiohttp.ClientSession, api: ChirpProcess, stream_id: str
) -> None:
    """Node B relays nothing: its origin hears node A's parts on the bus and answers a blocking
    reload for the hinted part when that part exists, then serves the part itself."""
    shown = await (await http.get(f"{api.url}/api/v1/chirp/streams/{stream_id}")).json()
    master_url = shown["low_latency_url"]
    assert master_url.startswith(f"{api.url}/api/v1/chirp/streams/{stream_id}/ll/")
    async with asyncio.timeout(20):
        while True:
            async with http.get(master_url) as response:
                if response.status == 200:
                    master = await response.text()
                    break
            await asyncio.sleep(0.2)
    variant = master.splitlines()[-1]
    playlist_url = master_url.rsplit("/", 1)[0] + "/" + variant
    async with asyncio.timeout(20):  # the master lists every rung before its first part is out
        while True:
            async with http.get(playlist_url) as response:
                if response.status == 200:
                    text = await response.text()
                    break
            await asyncio.sleep(0.2)
    assert hls_checker.check_ll_media("node B", text) == []
    hint = hls_checker.parse_ll(text).hints[0]["URI"]
    msn, part = int(hint[6:11]), int(hint[12:].split(".")[0])
    started = time.monotonic()
    async with http.get(playlist_url, params={"_HLS_msn": msn, "_HLS_part": part}) as response:
        assert response.status == 200
        blocked = await response.text()
    assert time.monotonic() - started < 3.5
    assert hls_checker.check_ll_blocking("node B", blocked, msn, part) == []
    # The hinted part, unless a keyframe came first and closed its segment: then the blocked
    # playlist has the next segment's first part instead, and the hint is never made.
    listed = [p.uri for s in hls_checker.parse_ll(blocked).segments for p in s.parts]
    fetched = hint if hint in listed else next(u for u in listed if int(u[6:11]) > msn)
    part_url = playlist_url.rsplit("/", 1)[0] + "/" + fetched
    async with http.get(part_url) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert b"moof" in (await response.read())[:64]
