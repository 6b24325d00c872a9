"""The relay end to end on local disk: a synthetic RTMP publisher in, HLS ladder out."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chirp.blobs.local import LocalBlobStore
from chirp.video.relay import Relay, RelayConfig
from chirp.video.rtmp import RtmpServer
from tests.helpers import require_tool
from tests.video import hls_checker
from tests.video.hooks import KEY, OTHER_KEY, RecordingHooks
from tests.video.publisher import publish


@pytest.fixture
async def relay_setup(
    tmp_path: Path,
) -> AsyncIterator[tuple[Relay, RtmpServer, RecordingHooks, LocalBlobStore]]:
    hooks = RecordingHooks()
    blobs = LocalBlobStore(tmp_path / "blobs", base_url="http://cdn.test/media")
    relay = Relay(hooks, blobs, RelayConfig(segment_seconds=1.0, grace_seconds=3.0, cores=2))
    server = RtmpServer(relay, "127.0.0.1", 0)
    await server.start()
    yield relay, server, hooks, blobs
    await server.close()
    await relay.close()


def probe(path: Path) -> dict:
    out = subprocess.run(
        [require_tool("ffprobe", "ffmpeg"), "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return json.loads(out.stdout)


async def test_publish_transcode_and_end(relay_setup) -> None:
    _, server, hooks, blobs = relay_setup
    publisher = await publish(f"rtmp://127.0.0.1:{server.port}/live/{KEY}", seconds=5)
    await publisher.wait()
    assert publisher.returncode == 0
    await asyncio.wait_for(hooks.ended_event.wait(), 30)
    assert hooks.live == [42] and hooks.ended_ids == [42]

    master = (await blobs.read("live/42/master.m3u8")).decode()
    assert 'RESOLUTION=640x360,CODECS="avc1.4d401f,mp4a.40.2"' in master
    assert "RESOLUTION=426x240" in master and "BANDWIDTH=" in master
    assert (await blobs.stat("live/42/master.m3u8")).content_type == "application/vnd.apple.mpegurl"

    for rung, height in (("360p", 360), ("240p", 240)):
        info = await blobs.stat(f"live/42/{rung}/index.m3u8")
        assert info is not None and info.cache_control == "public, max-age=86400"
        playlist = (await blobs.read(f"live/42/{rung}/index.m3u8")).decode()
        assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
        segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        assert 4 <= len(segments) <= 7
        for name in segments:
            seg = await blobs.stat(f"live/42/{rung}/{name}")
            assert seg.cache_control == "public, max-age=31536000, immutable"
            assert seg.content_type == "video/mp2t"
        info = probe(blobs.path_of(f"live/42/{rung}/{segments[1]}"))
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
        assert (video["codec_name"], video["height"], video["profile"]) == ("h264", height, "Main")
        assert audio["codec_name"] == "aac"
        assert 0.8 <= float(info["format"]["duration"]) <= 1.3


async def test_wrong_key_refused_before_any_work(relay_setup) -> None:
    relay, server, hooks, blobs = relay_setup
    publisher = await publish(f"rtmp://127.0.0.1:{server.port}/live/wrong", seconds=3)
    await asyncio.wait_for(publisher.communicate(), 20)
    assert publisher.returncode != 0
    assert hooks.authorized == ["wrong"]
    assert relay.streams == {} and not await blobs.exists("live/42/master.m3u8")


async def test_reconnect_within_grace_continues_with_discontinuity(relay_setup) -> None:
    relay, server, hooks, blobs = relay_setup
    url = f"rtmp://127.0.0.1:{server.port}/live/{KEY}"
    first = await publish(url, seconds=3)
    await first.wait()
    await asyncio.sleep(0.5)
    assert not hooks.ended_ids and 42 in relay.streams
    second = await publish(url, seconds=3)
    await second.wait()
    assert (first.returncode, second.returncode) == (0, 0)
    await asyncio.wait_for(hooks.ended_event.wait(), 30)
    assert hooks.ended_ids == [42]
    playlist = (await blobs.read("live/42/360p/index.m3u8")).decode()
    assert playlist.count("#EXT-X-DISCONTINUITY\n") == 1
    names = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    assert names[0].startswith("r000-") and names[-1].startswith("r001-")


async def test_two_publishers_at_once(relay_setup) -> None:
    _, server, hooks, blobs = relay_setup
    base = f"rtmp://127.0.0.1:{server.port}/live"
    first = await publish(f"{base}/{KEY}", seconds=3)
    other = await publish(f"{base}/{OTHER_KEY}?token=ignored", seconds=3, size="320x180")
    assert (await first.wait(), await other.wait()) == (0, 0)
    while len(hooks.ended_ids) < 2:
        await asyncio.sleep(0.2)
    assert sorted(hooks.live) == [42, 43] and sorted(hooks.ended_ids) == [42, 43]
    assert "RESOLUTION=320x180" in (await blobs.read("live/43/master.m3u8")).decode()
    assert await blobs.exists("live/42/360p/index.m3u8")


async def test_new_publisher_takes_over_from_a_stale_connection(relay_setup) -> None:
    relay, server, hooks, blobs = relay_setup
    url = f"rtmp://127.0.0.1:{server.port}/live/{KEY}"
    stale = await publish(url, seconds=30)
    while not hooks.live:
        await asyncio.sleep(0.1)
    old = relay.streams[42].session
    assert old is not None and old.transcoder is not None
    os.kill(stale.pid, signal.SIGSTOP)  # the encoder's connection goes silent, still open
    try:
        fresh = await publish(url, seconds=3)
        assert await asyncio.wait_for(fresh.wait(), 30) == 0
        # The stale connection was dropped and its transcoder flushed and stopped cleanly.
        assert old.transcoder.process is not None and old.transcoder.process.returncode == 0
        assert relay.streams[42].session is not old or 42 not in relay.streams
    finally:
        stale.kill()
        await stale.wait()
    await asyncio.wait_for(hooks.ended_event.wait(), 30)
    assert hooks.live == [42] and hooks.ended_ids == [42]
    playlist = (await blobs.read("live/42/360p/index.m3u8")).decode()
    names = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    assert names[0].startswith("r000-") and names[-1].startswith("r001-")
    assert playlist.count("#EXT-X-DISCONTINUITY\n") == 1


async def test_garbage_and_wrong_app_are_dropped(relay_setup) -> None:
    relay, server, hooks, _ = relay_setup
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"\x06" + b"\x00" * 1536)  # not RTMP version 3
    assert await asyncio.wait_for(reader.read(), 10) == b""
    writer.close()
    wrong_app = await publish(f"rtmp://127.0.0.1:{server.port}/other/{KEY}", seconds=2)
    assert await asyncio.wait_for(wrong_app.wait(), 20) != 0
    assert hooks.authorized == [] and relay.streams == {}


async def test_streamer_ending_the_stream_drops_the_publisher_without_grace(relay_setup) -> None:
    relay, server, hooks, blobs = relay_setup
    relay.config = RelayConfig(segment_seconds=1.0, grace_seconds=600, cores=2)
    publisher = await publish(f"rtmp://127.0.0.1:{server.port}/live/{KEY}", seconds=30)
    while not hooks.live:
        await asyncio.sleep(0.1)
    await relay.end(42)
    await asyncio.wait_for(hooks.ended_event.wait(), 30)  # not after the 600 s grace
    assert await asyncio.wait_for(publisher.wait(), 10) != 0
    playlist = (await blobs.read("live/42/360p/index.m3u8")).decode()
    assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
    assert relay.streams == {}


async def test_source_that_fits_the_top_rung_is_copied_not_encoded(relay_setup) -> None:
    _, server, hooks, blobs = relay_setup
    url = f"rtmp://127.0.0.1:{server.port}/live/{KEY}"
    publisher = await publish(url, seconds=4, video_kbps=600)  # H.264 at 600k: fits 360p
    assert await publisher.wait() == 0
    await asyncio.wait_for(hooks.ended_event.wait(), 30)

    master = (await blobs.read("live/42/master.m3u8")).decode()
    finals, sizes = {}, {}
    for _, uri in hls_checker.parse_master(master):
        finals[uri] = (await blobs.read(f"live/42/{uri}")).decode()
        names = [n for n, _, _ in hls_checker.parse_media(finals[uri]).segments]
        sizes[uri] = {n: (await blobs.stat(f"live/42/{uri[:-11]}/{n}")).size for n in names}
    assert hls_checker.check_master(master, finals, sizes) == []
    copied = hls_checker.parse_media(finals["360p/index.m3u8"]).segments
    assert all(abs(duration - 1.0) < 0.05 for _, duration, _ in copied[:-1])  # source keyframes
    profiles = {}
    for rung in ("360p", "240p"):
        info = probe(blobs.path_of(f"live/42/{rung}/{copied[1][0]}"))
        profiles[rung] = next(s for s in info["streams"] if s["codec_type"] == "video")["profile"]
    # The publisher's own x264 ultrafast stream, untouched; the 240p rung is our Main profile.
    assert profiles == {"360p": "Constrained Baseline", "240p": "Main"}
    top = next(line for line in master.splitlines() if "RESOLUTION=640x360" in line)
    assert 'CODECS="avc1.42e0' in top and "avc1.4d401f" not in top
