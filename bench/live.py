"""Live video relay: ingest-to-playlist latency, transcode speed per rung, CPU per stream, and how
many concurrent 720p -> 3-rung streams this node keeps in real time.

    .venv/bin/python -m bench.live [--seconds 30] [--max-streams 3] [--segment 2] [--player-seconds 20]

The source is a 720p30 H.264/AAC clip made here once (ffmpeg's testsrc2 and a tone), pushed with
`ffmpeg -re -c copy` over RTMP into the real relay (the same `RtmpServer` / `Relay` / ffmpeg
ladder `chirp serve` runs, local blob store), so the publisher costs almost no CPU.

Ingest-to-playlist latency: for every segment of every rung, from the moment the *first* frame
it holds entered the relay (the RTMP video message with that timestamp was read) to the moment
the segment was listed in its playlist. Target: <= segment duration + 1 s.

Transcode speed: the clip fed as fast as possible through one ladder of one rung (and through the
full ladder), media seconds / wall seconds. CPU per stream: the transcoder process's CPU seconds
per media second (from /proc). A stream count is "sustained" when every segment of every stream
is listed within the target latency.

Player glass-to-glass latency: `chirp serve`, the real streams API, a live-encoded 720p30
pattern stamped with each frame's number, and the watch page in headless Debian chromium reading
the number of the frame it shows against the encoder's clock (method: bench/player.py). Target:
<= 6 s at 2 s segments. `--player-seconds 0` skips it.

Prints a table and writes bench/results/live.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.player import player_latency
from chirp.blobs.local import LocalBlobStore
from chirp.core.ports.video import PublishGrant
from chirp.video import hls
from chirp.video.ladder import Plan, Rung, available_cores, plan_ladder
from chirp.video.relay import Relay, RelayConfig, Session
from chirp.video.rtmp import RtmpServer
from chirp.video.transcoder import FFMPEG_PLAYLIST, Transcoder

RESULTS = Path(__file__).parent / "results" / "live.json"
TICKS = os.sysconf("SC_CLK_TCK")


async def run(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(*args)
    if await process.wait():
        raise RuntimeError(f"{args[0]} failed")


async def make_source(path: Path, seconds: int) -> None:
    await run(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "3500k", "-g", "60",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "flv", str(path),
    )  # fmt: skip


async def start_publisher(source: Path, url: str) -> asyncio.subprocess.Process:
    """`-re -c copy`: real-time pace, no encoding, so the publisher costs next to nothing."""
    return await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
        "-i", str(source), "-c", "copy", "-f", "flv", url,
    )  # fmt: skip


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


class BenchHooks:
    def __init__(self) -> None:
        self.keys: dict[str, int] = {}
        self.ended_ids: set[int] = set()

    async def authorize(self, stream_key: str) -> PublishGrant | None:
        stream_id = self.keys.get(stream_key)
        return None if stream_id is None else PublishGrant(stream_id, 1, private=False)

    async def went_live(self, stream_id: int) -> None:
        pass

    async def ended(self, stream_id: int) -> None:
        self.ended_ids.add(stream_id)


class Probe:
    """Arrival time of each video timestamp, listing time of each segment, transcoder CPU."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[int, float]] = []  # (FLV timestamp ms, monotonic time)
        self.listed: dict[str, list[tuple[float, float]]] = {}  # rung -> (duration, time)
        self.cpu = 0.0
        self.first_ts: int | None = None

    def watch(self, session: Session) -> None:
        write = session.write

        async def timed_write(data: bytes) -> None:
            if len(data) > 11 and data[0] == 9:  # an FLV video tag: note when it arrived
                ts = int.from_bytes(data[4:7], "big") | data[7] << 24
                self.arrivals.append((ts, time.monotonic()))
            await write(data)
            if session.transcoder and session.transcoder.process:
                self.cpu = max(self.cpu, cpu_seconds(session.transcoder.process.pid))

        session.write = timed_write  # type: ignore[method-assign]

        def listed(rung: Rung, segment: hls.Segment) -> None:
            self.listed.setdefault(rung.name, []).append((segment.duration, time.monotonic()))

        session.stream.on_listed.append(listed)

    def latencies(self) -> list[float]:
        """Per segment: listed time minus arrival of the first frame it holds."""
        if not self.arrivals:
            return []
        t0 = self.arrivals[0][0]
        out = []
        for segments in self.listed.values():
            start = 0.0
            for duration, listed_at in segments:
                first = next((at for ts, at in self.arrivals if ts - t0 >= start * 1000 - 1), None)
                if first is not None:
                    out.append(listed_at - first)
                start += duration
        return out


class BenchRelay(Relay):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.probes: dict[int, Probe] = {}

    async def _open(self, grant: PublishGrant) -> tuple[Session | None, str]:
        session, reason = await super()._open(grant)
        if session is not None:
            self.probes[grant.stream_id] = probe = Probe()
            probe.watch(session)
        return session, reason


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def live_run(source: Path, streams: int, segment: float, work: Path) -> dict[str, Any]:
    hooks = BenchHooks()
    blobs = LocalBlobStore(work / f"blobs-{streams}", base_url="http://bench/media")
    # Every rung encoded (no passthrough): the figure is what a 3-rung transcode costs.
    config = RelayConfig(segment_seconds=segment, grace_seconds=0, passthrough=False)
    relay = BenchRelay(hooks, blobs, config)
    server = RtmpServer(relay, "127.0.0.1", 0)
    await server.start()
    publishers = []
    for i in range(streams):
        key = f"bench-key-{i}"
        hooks.keys[key] = 1000 + i
        url = f"rtmp://127.0.0.1:{server.port}/live/{key}"
        publishers.append(await start_publisher(source, url))
    started = time.monotonic()
    for publisher in publishers:
        await publisher.wait()
    while len(hooks.ended_ids) < streams:
        await asyncio.sleep(0.1)
    wall = time.monotonic() - started
    await server.close()
    await relay.close()
    latencies = [x for p in relay.probes.values() for x in p.latencies()]
    if os.environ.get("BENCH_LIVE_DEBUG"):
        print([round(x, 2) for x in latencies])
    media = sum(d for p in relay.probes.values() for d, _ in p.listed.get("720p", []))
    cpu = sum(p.cpu for p in relay.probes.values())
    target = segment + 1.0
    return {
        "streams": streams,
        "segments": len(latencies),
        "latency_p50_s": round(pct(latencies, 0.5), 2),
        "latency_p99_s": round(pct(latencies, 0.99), 2),
        "latency_max_s": round(max(latencies, default=float("nan")), 2),
        "cpu_seconds_per_media_second": round(cpu / media, 2) if media else None,
        "wall_s": round(wall, 1),
        "sustained": bool(latencies) and max(latencies) <= target,
    }


async def transcode_speed(source: Path, plan: Plan, segment: float, work: Path) -> float:
    """Media seconds per wall second through one ffmpeg of this plan, input fed at full speed."""
    out = Path(tempfile.mkdtemp(dir=work))
    transcoder = Transcoder(plan, "flv", out, segment, 0)
    data = await asyncio.to_thread(source.read_bytes)
    started = time.monotonic()
    await transcoder.start()
    for i in range(0, len(data), 256 * 1024):
        await transcoder.write(data[i : i + 256 * 1024])
    await transcoder.finish(grace_seconds=600)
    wall = time.monotonic() - started
    media = sum(
        d
        for _, d in hls.parse_ffmpeg_playlist(
            (out / plan.rungs[0].name / FFMPEG_PLAYLIST).read_text()
        )
    )
    return media / wall


async def main(seconds: int, max_streams: int, segment: float, player_seconds: float) -> None:
    cores = available_cores()
    with tempfile.TemporaryDirectory(prefix="chirp-bench-live-") as tmp:
        work = Path(tmp)
        source = work / "source-720p30.flv"
        print(f"making a {seconds} s 720p30 source...", flush=True)
        await make_source(source, seconds)
        full = plan_ladder(1280, 720, cores)
        print(f"ladder on {cores} cores: {[r.name for r in full.rungs]} preset {full.preset}")
        speeds = {}
        for rung in full.rungs:
            one = Plan(rungs=(rung,), preset=full.preset, threads=full.threads)
            speeds[rung.name] = round(await transcode_speed(source, one, segment, work), 2)
        speeds["ladder"] = round(await transcode_speed(source, full, segment, work), 2)
        print("transcode speed (x real time):", speeds, flush=True)
        rows = []
        for streams in range(1, max_streams + 1):
            row = await live_run(source, streams, segment, work)
            print(row, flush=True)
            rows.append(row)
    player = None
    if player_seconds > 0:
        print("player latency in chromium...", flush=True)
        player = await asyncio.to_thread(player_latency, segment, player_seconds)
        print(player, flush=True)
    header = f"{'streams':>7} {'segments':>8} {'p50 s':>6} {'p99 s':>6} {'max s':>6} {'CPU s/media s':>13} {'real time':>9}"
    print(f"\ningest-to-playlist latency (target <= {segment + 1:.1f} s), {segment:g} s segments")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['streams']:>7} {r['segments']:>8} {r['latency_p50_s']:>6} {r['latency_p99_s']:>6} "
            f"{r['latency_max_s']:>6} {r['cpu_seconds_per_media_second']!s:>13} {'yes' if r['sustained'] else 'no':>9}"
        )
    print("transcode speed, x real time:", ", ".join(f"{k} {v}" for k, v in speeds.items()))
    sustained = max((r["streams"] for r in rows if r["sustained"]), default=0)
    print(f"concurrent 720p -> {len(full.rungs)}-rung streams sustained: {sustained}")
    if player is not None:
        print(f"\nplayer glass-to-glass in chromium, {segment:g} s segments")
        row = f"{'mode':<12} {'samples':>7} {'g2g p50 s':>9} {'g2g p95 s':>9} {'g2g max s':>9} {'edge p50 s':>10} {'rungs':>9} {'met':>4}"
        print(row)
        print("-" * len(row))
        for mode in ("regular", "low_latency"):
            m = player[mode]
            print(
                f"{mode:<12} {m['samples']:>7} {m['glass_to_glass_p50_s']:>9} "
                f"{m['glass_to_glass_p95_s']:>9} {m['glass_to_glass_max_s']:>9} "
                f"{m['behind_live_edge_p50_s']!s:>10} "
                f"{','.join(str(h) for h in m['rungs_played']):>9} "
                f"{'yes' if m['met'] else 'no':>4}"
            )
    machine = {
        "cores": cores,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "preset": full.preset,
        "rungs": [f"{r.width}x{r.height}@{r.video_kbps}k" for r in full.rungs],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": machine,
                "segment_seconds": segment,
                "source_seconds": seconds,
                "transcode_speed_x_realtime": speeds,
                "runs": rows,
                "sustained_streams": sustained,
                "player": player,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--max-streams", type=int, default=3)
    parser.add_argument("--segment", type=float, default=2.0)
    parser.add_argument("--player-seconds", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.max_streams, args.segment, args.player_seconds))
