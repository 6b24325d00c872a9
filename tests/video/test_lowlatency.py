"""Low-Latency HLS through the relay and the origin: a 30 fps and a 29.97 fps source (with a
reconnect), every low-latency playlist state the origin held checked against the LL rules of
`tests/video/hls_checker.py`, blocking reloads timed, the parts decoded."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import pytest

from chirp.blobs.local import LocalBlobStore
from chirp.video import llhls
from chirp.video.origin import Origin
from chirp.video.relay import Relay, RelayConfig
from chirp.video.rtmp import RtmpServer
from tests.helpers import require_tool
from tests.video import hls_checker
from tests.video.hooks import KEY, RecordingHooks
from tests.video.publisher import publish

RUNGS = ("360p", "240p")


async def _sample(origin: Origin, out: dict[str, list[tuple[str, str]]], done: asyncio.Event):
    """Every state change: (full playlist, delta update) per rung, and the rendition reports'
    siblings as they are right after."""
    seen: dict[str, int] = {}
    while True:
        finished = done.is_set()  # one last look after the end
        renditions = origin._renditions.get(42, {})
        for rung, rendition in list(renditions.items()):
            if seen.get(rung) == rendition.version:
                continue
            seen[rung] = rendition.version
            others = list(renditions.values())
            full = llhls.media_playlist(rendition, others, skip=False, query="")
            delta = llhls.media_playlist(rendition, others, skip=True, query="")
            out.setdefault(rung, []).append((full, delta))
        if finished:
            return
        await asyncio.sleep(0.02)


def _wrong_hints(fulls: list[str]) -> list[tuple[str, str]]:
    """(hinted, what came next) wherever a playlist's preload hint named another part than
    the next one written in the same run (a reconnect starts a run whose parts no hint can
    name). Keyframes at every segment duration, as the synthetic publisher sends them, leave
    nothing to guess at segment boundaries."""
    wrong = []
    for earlier, later in itertools.pairwise(hls_checker.parse_ll(text) for text in fulls):
        if not earlier.hints:
            continue
        listed = {part.uri for segment in earlier.segments for part in segment.parts}
        fresh = [p.uri for s in later.segments for p in s.parts if p.uri not in listed]
        hint = earlier.hints[0]["URI"]
        if fresh and fresh[0][:5] == hint[:5] and fresh[0] != hint:
            wrong.append((hint, fresh[0]))
    return wrong


class PreviewHooks(RecordingHooks):
    """Also notes whether the poster and preview were stored when the stream went live."""

    def __init__(self, blobs: LocalBlobStore) -> None:
        super().__init__()
        self.blobs = blobs
        self.previews_at_live: list[bool] = []

    async def went_live(self, stream_id: int) -> None:
        for name in ("poster.jpg", "preview.webp"):
            self.previews_at_live.append(await self.blobs.stat(f"live/42/{name}") is not None)
        await super().went_live(stream_id)


@pytest.mark.parametrize("rate", ["30", "30000/1001"])
async def test_low_latency_playlists_pass_the_checker(tmp_path: Path, rate: str) -> None:
    ffprobe = require_tool("ffprobe", "ffmpeg")
    blobs = LocalBlobStore(tmp_path / "blobs", base_url="http://cdn.test/media")
    hooks = PreviewHooks(blobs)
    origin = Origin(blobs)
    config = RelayConfig(
        segment_seconds=1.0, grace_seconds=5.0, window_segments=3, cores=2, part_seconds=1 / 3
    )
    reports: list[dict] = []

    async def health(stream_id: int, report: dict) -> None:
        assert stream_id == 42
        reports.append(report)

    relay = Relay(hooks, blobs, config, origin, on_health=health)
    server = RtmpServer(relay, "127.0.0.1", 0)
    await server.start()
    states: dict[str, list[tuple[str, str]]] = {}
    done = asyncio.Event()
    sampler = asyncio.create_task(_sample(origin, states, done))
    blocked: list[tuple[str, float, int, int]] = []
    try:
        url = f"rtmp://127.0.0.1:{server.port}/live/{KEY}"
        publisher = await publish(url, seconds=6, rate=rate, keyint_seconds=1.0)
        # A blocking reload for the hinted part: answered when it exists, about a part later.
        while 42 not in origin._renditions or "360p" not in origin._renditions[42]:
            await asyncio.sleep(0.05)
        for _ in range(6):
            rendition = (await origin.renditions(42))["360p"]
            hint = rendition.next_part_uri()
            assert hint is not None
            msn, part = int(hint[6:11]), int(hint[12:].split(".")[0])
            started = time.monotonic()
            answer = await origin.rendition(42, "360p", msn, part)
            text = llhls.media_playlist(answer, [], skip=False, query="")
            blocked.append((text, time.monotonic() - started, msn, part))
        assert await publisher.wait() == 0
        publisher = await publish(url, seconds=13, rate=rate, keyint_seconds=1.0)
        assert await publisher.wait() == 0
        await asyncio.wait_for(hooks.ended_event.wait(), 60)
    finally:
        done.set()
        await sampler
        await server.close()
        await relay.close()

    problems: list[hls_checker.Problem] = []
    for text, waited, msn, part in blocked:
        problems += hls_checker.check_ll_blocking("360p blocking", text, msn, part)
        assert waited < 3 * 1.0 + 0.5
    assert max(waited for _, waited, _, _ in blocked) > 0.05  # it did hold some
    skipped_some = False
    for rung in RUNGS:
        fulls = [full for full, _ in states[rung]]
        for full, delta in states[rung]:
            problems += hls_checker.check_ll_media(rung, full)
            problems += hls_checker.check_ll_delta(rung, full, delta)
            skipped_some = skipped_some or "#EXT-X-SKIP" in delta
        problems += hls_checker.check_ll_reloads(rung, fulls)
        assert _wrong_hints(fulls) == [], f"{rung}: hinted parts that never came"
        assert fulls[-1].rstrip().endswith("#EXT-X-ENDLIST")
        assert any("#EXT-X-DISCONTINUITY\n" in text for text in fulls), "no reconnect seen"
        assert any("#EXT-X-RENDITION-REPORT" in text for text in fulls)
    assert skipped_some, "no delta update ever skipped a segment"
    assert problems == [], "\n".join(map(str, problems))

    # Decoded: the init section and each complete segment (its parts, joined) last their EXTINF.
    final = hls_checker.parse_ll(states["360p"][-1][0])
    assert final.part_target is not None and final.part_target <= 0.4
    folder = tmp_path / "blobs" / "live" / "42" / "360p"
    checked = 0
    for segment in final.segments[-4:-1]:
        assert segment.uri is not None and segment.duration is not None
        run = segment.uri[:5]
        joined = tmp_path / f"{segment.uri}.mp4"
        joined.write_bytes(
            (folder / f"{run}-init.mp4").read_bytes() + (folder / segment.uri).read_bytes()
        )
        parts = b"".join((folder / p.uri).read_bytes() for p in segment.parts)
        if segment.parts:
            assert parts == (folder / segment.uri).read_bytes()
        duration, keyframe = await asyncio.to_thread(hls_checker.probe_fragmented, ffprobe, joined)
        assert abs(duration - segment.duration) <= hls_checker.DURATION_TOLERANCE, segment.uri
        assert keyframe
        checked += 1
    assert checked == 3

    # The poster and animated preview were there when the stream went live, and stay.
    assert hooks.previews_at_live == [True, True]
    poster = await blobs.stat("live/42/poster.jpg")
    preview = await blobs.stat("live/42/preview.webp")
    assert poster is not None and poster.content_type == "image/jpeg"
    assert preview is not None and preview.content_type == "image/webp"
    assert poster.cache_control == preview.cache_control == "public, max-age=10"
    assert (await blobs.read("live/42/poster.jpg"))[:3] == b"\xff\xd8\xff"
    webp = await blobs.read("live/42/preview.webp")
    assert webp[:4] == b"RIFF" and webp[8:12] == b"WEBP" and b"ANMF" in webp  # animated

    # Stream health went out while the publisher was on: its bit rate, ffmpeg's frames, each
    # rung's pace.
    assert len(reports) >= 5
    last = reports[-1]
    assert last["ingest_kbps"] and last["ingest_kbps"] > 0 and last["frames"] > 0
    assert [r["name"] for r in last["rungs"]] == list(RUNGS)
    assert all(r["speed"] and 0.3 < r["speed"] < 3 and r["kbps"] > 0 for r in last["rungs"])
