"""Conformance: a 30 fps and a 29.97 fps source through the relay (with a reconnect, so there is
a discontinuity, and a live window short enough to slide past it), every playlist version the
relay wrote checked against the rules of `tests/video/hls_checker.py`."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterable
from pathlib import Path

import pytest

from chirp.blobs.local import LocalBlobStore
from chirp.core.ports.blobs import DEFAULT_CACHE_CONTROL, BlobInfo
from chirp.video.relay import Relay, RelayConfig
from chirp.video.rtmp import RtmpServer
from tests.helpers import require_tool
from tests.video import hls_checker
from tests.video.hooks import KEY, RecordingHooks
from tests.video.publisher import publish


class RecordingBlobs(LocalBlobStore):
    """Local disk, plus every version of every playlist in the order they were written."""

    def __init__(self, root: Path, *, base_url: str) -> None:
        super().__init__(root, base_url=base_url)
        self.playlists: dict[str, list[str]] = defaultdict(list)

    async def put(
        self,
        key: str,
        data: bytes | AsyncIterable[bytes],
        *,
        content_type: str,
        cache_control: str = DEFAULT_CACHE_CONTROL,
    ) -> BlobInfo:
        if key.endswith(".m3u8") and isinstance(data, bytes):
            self.playlists[key].append(data.decode())
        return await super().put(key, data, content_type=content_type, cache_control=cache_control)


@pytest.mark.parametrize(("rate", "fps"), [("30", "30.000"), ("30000/1001", "29.970")])
async def test_relay_playlists_pass_the_checker(tmp_path: Path, rate: str, fps: str) -> None:
    ffprobe = require_tool("ffprobe", "ffmpeg")
    hooks = RecordingHooks()
    blobs = RecordingBlobs(tmp_path / "blobs", base_url="http://cdn.test/media")
    config = RelayConfig(segment_seconds=2.0, grace_seconds=5.0, window_segments=3, cores=2)
    relay = Relay(hooks, blobs, config)
    server = RtmpServer(relay, "127.0.0.1", 0)
    await server.start()
    try:
        url = f"rtmp://127.0.0.1:{server.port}/live/{KEY}"
        for seconds in (7, 9):  # a reconnect: two runs, one discontinuity
            publisher = await publish(url, seconds=seconds, rate=rate)
            assert await publisher.wait() == 0
        await asyncio.wait_for(hooks.ended_event.wait(), 60)
    finally:
        await server.close()
        await relay.close()

    masters = blobs.playlists["live/42/master.m3u8"]
    master = masters[-1]
    variants = [uri for _, uri in hls_checker.parse_master(master)]
    assert variants == ["360p/index.m3u8", "240p/index.m3u8"]
    problems: list[hls_checker.Problem] = []
    finals, sizes = {}, {}
    for uri in variants:
        key = f"live/42/{uri}"
        versions = blobs.playlists[key]
        finals[uri] = versions[-1]
        folder = key.rsplit("/", 1)[0]
        segments = hls_checker.parse_media(versions[-1]).segments
        sizes[uri] = {name: (await blobs.stat(f"{folder}/{name}")).size for name, _, _ in segments}
        for text in versions:
            problems += hls_checker.check_media(key, text, sizes[uri])
        problems += hls_checker.check_reloads(key, versions)
        problems += hls_checker.check_ended(key, versions[-1])
        probed = {
            name: await asyncio.to_thread(
                hls_checker.probe_segment, ffprobe, blobs.path_of(f"{folder}/{name}")
            )
            for name in sizes[uri]
        }
        problems += hls_checker.check_media_segments(key, versions[-1], probed)
        live = [hls_checker.parse_media(text) for text in versions if "#EXT-X-ENDLIST" not in text]
        assert any(p.discontinuity_sequence == 1 for p in live), "the reconnect never slid out"
        assert {p.target for p in live} == {2}  # 2.002 s segments round to 2, not up to 3
    problems += hls_checker.check_master(master, finals, sizes)
    assert problems == [], "\n".join(map(str, problems))

    assert f"FRAME-RATE={fps}" in master
    assert (await blobs.stat("live/42/master.m3u8")).cache_control == "public, max-age=86400"
    # The ladder's estimates, in the first master, were already within the tolerance on average.
    for attributes, uri in hls_checker.parse_master(masters[0]):
        playlist = hls_checker.parse_media(finals[uri])
        assert playlist.target is not None
        average, _ = hls_checker.measured_bitrates(playlist.segments, sizes[uri], playlist.target)
        assert abs(int(attributes["AVERAGE-BANDWIDTH"]) - average) <= 0.1 * average, uri
