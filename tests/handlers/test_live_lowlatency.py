"""The Low-Latency HLS origin's routes (`/api/v1/chirp/streams/:id/ll/...`): the master, media
playlists with blocking reloads, delta updates and their refusals, parts and the preload-hinted
part, followers-only streams behind their signature. The renditions are the relay's kind,
published to the origin as the relay does (the relay itself: tests/video/test_lowlatency.py).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.server.keys import CONTEXT, ORIGIN
from chirp.video import llhls, playback
from chirp.video.llhls import LLSegment, Part, Rendition
from tests.handlers.test_live_streams import STREAMS, create, go_live
from tests.helpers import Drain, User, follow
from tests.video import hls_checker

MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401f,mp4a.40.2"\n'
    "360p/index.m3u8\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=500000,AVERAGE-BANDWIDTH=450000,RESOLUTION=426x240,CODECS="avc1.4d401f,mp4a.40.2"\n'
    "240p/index.m3u8\n"
)
PART = 1 / 3


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path, "rtmp_port": 0}


class FakeRelay:
    """Writes parts and publishes renditions as `chirp.video.parts.PartWriter` does."""

    def __init__(self, app: web.Application, stream_id: int, *, private: bool) -> None:
        self.app, self.blobs = app, app[CONTEXT].blobs
        assert self.blobs is not None
        prefix = playback.blob_prefix(self.blobs, stream_id, private=private)
        self.renditions = {
            rung: Rendition(stream_id, rung, prefix, private, 1.0, part_target=0.367)
            for rung in ("360p", "240p")
        }

    async def start(self) -> None:
        assert self.blobs is not None
        prefix = next(iter(self.renditions.values())).prefix
        await self.blobs.put(
            f"{prefix}/master.m3u8", MASTER.encode(), content_type="application/vnd.apple.mpegurl"
        )
        for rendition in self.renditions.values():
            await self.blobs.put(
                f"{prefix}/{rendition.rung}/{llhls.init_uri(0)}", b"init", content_type="video/mp4"
            )

    async def part(self, rung: str) -> Part:
        """The next part of `rung` (a segment closes after three)."""
        assert self.blobs is not None
        rendition = self.renditions[rung]
        segments = rendition.segments
        if not segments or segments[-1].complete:
            msn = segments[-1].msn + 1 if segments else 0
            segments.append(
                LLSegment(msn, llhls.segment_uri(0, msn), llhls.init_uri(0), discontinuity=False)
            )
        segment = segments[-1]
        part = Part(llhls.part_uri(0, segment.msn, len(segment.parts)), PART, not segment.parts)
        data = f"moof-{part.uri}".encode()
        await self.blobs.put(f"{rendition.prefix}/{rung}/{part.uri}", data, content_type="x/y")
        segment.parts.append(part)
        if len(segment.parts) == 3:
            segment.complete = True
            rendition.longest = max(rendition.longest, segment.duration)
            await self.blobs.put(
                f"{rendition.prefix}/{rung}/{segment.uri}", b"whole", content_type="x/y"
            )
        while sum(s.complete for s in segments) > 12:  # the window, as the relay keeps it
            segments.pop(0)
        rendition.version += 1
        await self.app[ORIGIN].publish(rendition, {part.uri: data})
        return part

    async def parts(self, count: int) -> None:
        for _ in range(count):
            for rung in self.renditions:
                await self.part(rung)


async def live_stream(
    client: TestClient, app: web.Application, user: User, drain: Drain, visibility: str = "public"
) -> tuple[dict[str, Any], FakeRelay]:
    stream = await create(client, user, visibility=visibility)
    await go_live(app, stream, drain)
    relay = FakeRelay(app, int(stream["id"]), private=visibility != "public")
    await relay.start()
    return stream, relay


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def test_stream_json_offers_low_latency_while_live(
    client: TestClient, app: web.Application, alice: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    assert stream["low_latency_url"] is None  # not live yet
    assert stream["poster_url"] is None and stream["preview_url"] is None
    await go_live(app, stream, drain)
    shown = await (await client.get(f"{STREAMS}/{stream['id']}")).json()
    assert shown["low_latency_url"].endswith(f"/api/v1/chirp/streams/{stream['id']}/ll/master.m3u8")
    assert shown["poster_url"].endswith(f"/live/{stream['id']}/poster.jpg")
    assert shown["preview_url"].endswith(f"/live/{stream['id']}/preview.webp")
    listed = await (await client.get(STREAMS)).json()
    assert listed[0]["poster_url"] == shown["poster_url"]  # stream lists carry them
    page = await (await client.get(f"/live/{stream['id']}")).text()
    assert f'<meta property="og:image" content="{shown["poster_url"]}">' in page
    await client.post(f"{STREAMS}/{stream['id']}/end", headers=alice.headers)
    await drain()
    ended = await (await client.get(f"{STREAMS}/{stream['id']}")).json()
    assert ended["low_latency_url"] is None and ended["playback_url"]


async def test_master_and_media_playlists(
    client: TestClient, app: web.Application, alice: User, drain: Drain
) -> None:
    stream, relay = await live_stream(client, app, alice, drain)
    await relay.parts(40)  # 13 segments and a part
    base = f"{STREAMS}/{stream['id']}/ll"
    master = await client.get(f"{base}/master.m3u8")
    assert master.status == 200
    assert master.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    assert [uri for _, uri in hls_checker.parse_master(await master.text())] == [
        "360p/index.m3u8",
        "240p/index.m3u8",
    ]
    response = await client.get(f"{base}/360p/index.m3u8")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    full = await response.text()
    assert hls_checker.check_ll_media("360p", full) == []
    sibling = await (await client.get(f"{base}/240p/index.m3u8")).text()
    assert hls_checker.check_ll_reports("360p", full, {"../240p/index.m3u8": sibling}) == []
    assert '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="ll000-00013.1.m4s"' in full

    delta = await (await client.get(f"{base}/360p/index.m3u8?_HLS_skip=YES")).text()
    assert "#EXT-X-SKIP:SKIPPED-SEGMENTS=" in delta
    assert hls_checker.check_ll_delta("360p", full, delta) == []

    for uri in ("ll000-00013.0.m4s", "ll000-00012.m4s", "ll000-init.mp4"):
        got = await client.get(f"{base}/360p/{uri}")
        assert got.status == 200, uri
        assert got.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert await (await client.get(f"{base}/360p/ll000-00013.0.m4s")).read() == (
        b"moof-ll000-00013.0.m4s"
    )
    # Gone from the window, or never made: 404; not a part name at all: no route.
    assert (await client.get(f"{base}/360p/ll000-00000.0.m4s")).status == 404
    assert (await client.get(f"{base}/360p/ll000-00099.0.m4s")).status == 404
    assert (await client.get(f"{base}/360p/secret.txt")).status == 404
    assert (await client.get(f"{base}/999p/index.m3u8")).status == 404


async def test_blocking_reload_waits_for_the_part(
    client: TestClient, app: web.Application, alice: User, drain: Drain
) -> None:
    stream, relay = await live_stream(client, app, alice, drain)
    await relay.parts(2)
    url = f"{STREAMS}/{stream['id']}/ll/360p/index.m3u8?_HLS_msn=1&_HLS_part=0"
    request = asyncio.create_task(client.get(url))
    await asyncio.sleep(0.3)
    assert not request.done()  # held: segment 1 has no part yet
    await relay.part("360p")  # 0.2, completing segment 0
    await asyncio.sleep(0.1)
    assert not request.done()
    started = time.monotonic()
    await relay.part("360p")  # 1.0
    response = await asyncio.wait_for(request, 2)
    assert time.monotonic() - started < 1
    assert response.status == 200
    assert response.headers["Cache-Control"] == "public, max-age=6"
    text = await response.text()
    assert hls_checker.check_ll_blocking("360p", text, 1, 0) == []
    assert 'URI="ll000-00001.0.m4s"' in text

    # The preload hint is held the same way, then served.
    hint = asyncio.create_task(client.get(f"{STREAMS}/{stream['id']}/ll/360p/ll000-00001.1.m4s"))
    await asyncio.sleep(0.2)
    assert not hint.done()
    await relay.part("360p")
    served = await asyncio.wait_for(hint, 2)
    assert served.status == 200 and await served.read() == b"moof-ll000-00001.1.m4s"


async def test_blocking_reload_is_bounded_and_checked(
    client: TestClient, app: web.Application, alice: User, drain: Drain
) -> None:
    stream, relay = await live_stream(client, app, alice, drain)
    await relay.parts(1)
    base = f"{STREAMS}/{stream['id']}/ll/360p/index.m3u8"
    started = time.monotonic()
    response = await client.get(f"{base}?_HLS_msn=2")  # never comes: three targets, then 503
    assert response.status == 503
    assert "error" in await response.json()
    assert 2.5 < time.monotonic() - started < 5
    assert (await client.get(f"{base}?_HLS_part=1")).status == 400  # part without msn
    assert (await client.get(f"{base}?_HLS_msn=9")).status == 400  # more than two ahead
    assert (await client.get(f"{base}?_HLS_msn=-1")).status == 422
    assert (await client.get(f"{base}?_HLS_skip=MAYBE")).status == 422


async def test_unknown_stream_is_not_found(client: TestClient) -> None:
    response = await client.get(f"{STREAMS}/12345/ll/master.m3u8")
    assert response.status == 404
    assert "error" in await response.json()


async def test_followers_only_stream_needs_its_signature(
    client: TestClient, app: web.Application, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    stream, relay = await live_stream(client, app, alice, drain, visibility="private")
    await relay.parts(4)
    base = f"{STREAMS}/{stream['id']}/ll"
    for path in ("master.m3u8", "360p/index.m3u8", "360p/ll000-00001.0.m4s"):
        assert (await client.get(f"{base}/{path}")).status == 404, path
        forged = f"{base}/{path}?expires=9999999999&signature={'0' * 64}"
        assert (await client.get(forged)).status == 404, path
    shown = await (await client.get(f"{STREAMS}/{stream['id']}", headers=bob.headers)).json()
    assert "signature=" in shown["poster_url"] and "signature=" in shown["preview_url"]
    page = await (await client.get(f"/live/{stream['id']}")).text()
    assert "og:image" not in page and "poster" not in page  # nothing about a private stream
    master_url = shown["low_latency_url"]
    assert "signature=" in master_url
    master = await client.get(path_of(master_url))
    assert master.status == 200
    query = urlsplit(master_url).query
    assert f"360p/index.m3u8?{query}" in await master.text()
    media = await client.get(f"{base}/360p/index.m3u8?{query}")
    assert media.headers["Cache-Control"].startswith("private")
    text = await media.text()
    assert f'URI="ll000-00001.0.m4s?{query}"' in text
    assert f"../240p/index.m3u8?{query}" in text
    part = await client.get(f"{base}/360p/ll000-00001.0.m4s?{query}")
    assert part.status == 200
    assert part.headers["Cache-Control"] == "private, max-age=31536000, immutable"
