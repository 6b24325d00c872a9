"""The master playlist while live and after: written once every rung has a segment (with the
ladder's estimates), corrected with measured bit rates when they drift, exact for the VOD."""

from __future__ import annotations

from pathlib import Path

import pytest

from chirp.blobs.local import LocalBlobStore
from chirp.core.ports.video import PublishGrant
from chirp.video import relay as relay_module
from chirp.video.ladder import plan_ladder
from chirp.video.relay import Broadcast, Relay, RelayConfig
from tests.video import hls_checker
from tests.video.hooks import KEY, RecordingHooks


def _rates(master: str) -> dict[str, tuple[int, int]]:
    return {
        uri: (int(a["BANDWIDTH"]), int(a["AVERAGE-BANDWIDTH"]))
        for a, uri in hls_checker.parse_master(master)
    }


async def test_master_estimated_then_measured_then_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay_module, "MIN_WRITE_INTERVAL", 0.0)
    hooks = RecordingHooks()
    blobs = LocalBlobStore(tmp_path / "blobs", base_url="http://cdn.test/media")
    relay = Relay(hooks, blobs, RelayConfig(segment_seconds=2.0, cores=2))
    stream = Broadcast(relay, PublishGrant(42, 7, private=False))
    stream.plan = plan_ladder(640, 360, cores=2)
    top = stream.plan.rungs[0]
    masters: list[str] = []

    async def segment(rung_index: int, n: int, bits_per_second: int) -> None:
        rung = stream.plan.rungs[rung_index]  # type: ignore[union-attr]
        path = tmp_path / f"{rung.name}-r000-{n:05d}.ts"
        path.write_bytes(b"G" * (bits_per_second * 2 // 8))  # a 2 s segment of that rate
        await stream.publish_segment(rung, path, 2.0, 0)
        if await blobs.exists("live/42/master.m3u8"):
            text = (await blobs.read("live/42/master.m3u8")).decode()
            if not masters or masters[-1] != text:
                masters.append(text)

    try:
        await segment(0, 0, 3_000_000)
        assert masters == [] and hooks.live == []  # not every rung has a segment yet
        await segment(1, 0, 500_000)
        assert hooks.live == [42] and len(masters) == 1  # the ladder's estimates
        assert _rates(masters[0])["360p/index.m3u8"] == (top.bandwidth, top.average_bandwidth)
        for n in (1, 2):  # the top rung runs at about twice its estimate
            await segment(0, n, 3_000_000 + n * 100_000)
            await segment(1, n, 500_000)
        # Corrected as each rung got its 3 segments measured (both drifted more than 10%).
        assert len(masters) == 3
        live = _rates(masters[-1])
        assert live["360p/index.m3u8"] == (3_200_000, 3_100_000)
        assert live["240p/index.m3u8"] == (500_000, 500_000)
        await segment(1, 3, 520_000)  # within 10% of what is advertised: no rewrite
        assert len(masters) == 3
        await stream.finish()
    finally:
        await relay.close()
    final = (await blobs.read("live/42/master.m3u8")).decode()
    assert _rates(final)["240p/index.m3u8"] == (520_000, 505_000)  # exact: every segment
    assert (await blobs.stat("live/42/master.m3u8")).cache_control == "public, max-age=86400"
    assert hooks.ended_ids == [42]


async def test_a_reconnect_that_no_longer_fits_the_copied_rung_encodes_it(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs", base_url="http://cdn.test/media")
    relay = Relay(RecordingHooks(), blobs, RelayConfig(segment_seconds=2.0, grace_seconds=60))
    runs = []
    try:
        for size, kbps in (((640, 360), 600), ((1280, 720), 2500), ((640, 360), 600)):
            session, reason = await relay.open_session(KEY)
            assert session is not None, reason
            await session.start(
                input_format="flv",
                source_width=size[0],
                source_height=size[1],
                passthrough_kbps=kbps,
            )
            assert session.transcoder is not None
            runs.append(session.transcoder.args)
            await session.close()
    finally:
        await relay.close()
    copied, encoded, copied_again = runs
    assert "copy" in copied and "copy" in copied_again
    # The 720p source is scaled into the 360p rung the master announced, not copied at 720p.
    assert "copy" not in encoded
    assert "[s0]scale=640:360,setsar=1[v0]" in encoded[encoded.index("-filter_complex") + 1]
