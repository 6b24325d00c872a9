"""Glass-to-glass latency of the watch page in headless Debian chromium (part of bench/live.py).

Method: `chirp serve` runs as a subprocess with RTMP ingest; a streamer gets a stream key from
the real API and publishes a 720p30 test pattern (moving) and tone: x264 `zerolatency`,
keyframes at the segment duration, constant bit rate announced in the FLV metadata, as OBS
sends it. A streamer's encoder runs on their own machine, not on the server's: so that it does
not compete with the relay for this machine's cores (under load it fell seconds behind real
time, all of it counted as latency), the stream is encoded once before the run and each mode's
publisher sends it with `ffmpeg -re -c copy`, so frame n leaves at T0 + n / 30 on the
machine's clock (T0: just before the publisher starts; its start-up and the RTMP handshake
are counted as latency, so the figure errs high; `publisher_behind_s` says by how much). Every frame carries its number as 16 white/black
boxes (ffmpeg `drawbox` with `enable='gte(mod(n,2^(i+1)),2^i)'`), big enough to survive every
rung of the ladder. The watch page plays the stream as a viewer would; in the page, each frame
the browser presents (`requestVideoFrameCallback`) is drawn to a canvas every half second, its
boxes are read back into the frame number, and the latency of that sample is the frame's
expected display time (`performance.timeOrigin + expectedDisplayTime`, the same wall clock)
minus T0 + n / 30. The same samples also record `hls.latency`, hls.js's own distance behind the
live edge of the playlist.

Both modes in one run, one after the other on the same node and page, each on a stream of its
own (a fresh encoder and relay run, so a backlog a loaded machine built up in the first mode is
not carried into the second), the relay's health logged meanwhile: regular HLS
(`/live/<id>?latency=regular`, MPEG-TS segments) and Low-Latency HLS (`/live/<id>`, which plays
the stream's `low_latency_url`: CMAF parts with blocking reloads). Targets: regular p95 <= 6 s;
low latency p50 <= 2 s and p95 <= 2.5 s.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import connect

from tests.e2e.browser import chromium, require_chromium
from tests.e2e.process import ChirpProcess, free_port, register
from tests.helpers import require_tool
from tests.video.publisher import encoder_args

RATE = 30
# The encoder's bit rate, announced in its FLV metadata: OBS's default output (CBR, 2500 kbit/s)
# at 720p30, which fits the default top rung, so the relay copies it (passthrough).
SOURCE_KBPS = 2500
BITS = 16
BOX, STEP, X0, Y0 = 48, 56, 16, 16  # at 1280x720; the page scales to the rung it plays


def frame_number_filter() -> str:
    boxes = [f"drawbox=x=0:y=0:w=iw:h={Y0 * 2 + BOX}:color=black:t=fill"]
    for i in range(BITS):
        enable = f"gte(mod(n\\,{2 ** (i + 1)})\\,{2**i})"
        boxes.append(
            f"drawbox=x={X0 + i * STEP}:y={Y0}:w={BOX}:h={BOX}:color=white:t=fill:enable='{enable}'"
        )
    return ",".join(boxes)


# Runs in the page: samples presented frames, reads their number, resolves with the samples.
SAMPLER = f"""
const [count, everyMs, done] = arguments;
const video = document.querySelector('video');
const canvas = document.createElement('canvas');
const samples = [];
let last = 0, stalls = 0;
video.addEventListener('waiting', () => {{ stalls += 1; }});
function step(now, meta) {{
  if (now - last >= everyMs && video.videoWidth) {{
    last = now;
    const w = video.videoWidth, h = video.videoHeight;
    canvas.width = w; canvas.height = h;
    const g = canvas.getContext('2d', {{willReadFrequently: true}});
    g.drawImage(video, 0, 0, w, h);
    let n = 0;
    for (let i = 0; i < {BITS}; i++) {{
      const x = Math.round(({X0} + i * {STEP} + {BOX} / 2) / 1280 * w);
      const y = Math.round(({Y0} + {BOX} / 2) / 720 * h);
      const p = g.getImageData(x, y, 1, 1).data;
      if (p[0] + p[1] + p[2] > 384) n += 2 ** i;
    }}
    const hls = window.chirpWatch.hls;
    samples.push({{wall_ms: performance.timeOrigin + meta.expectedDisplayTime, frame: n,
                   edge_s: hls ? hls.latency : null, target_s: hls ? hls.targetLatency : null,
                   rate: video.playbackRate, stalls: stalls, height: h}});
  }}
  if (samples.length >= count) done(samples); else video.requestVideoFrameCallback(step);
}}
video.requestVideoFrameCallback(step);
"""


# Runs in the page as it opens: records hls.js's errors and the video's seeks and waits.
WATCHER = """
window.benchEvents = [];
const t0 = performance.now();
const note = (what) => window.benchEvents.push([Math.round(performance.now() - t0) / 1000, what]);
const video = document.querySelector('video');
for (const kind of ['waiting', 'seeking', 'stalled']) video.addEventListener(kind, () => note(kind));
const wait = setInterval(() => {
  const hls = window.chirpWatch && window.chirpWatch.hls;
  if (!hls) return;
  clearInterval(wait);
  hls.on(window.Hls.Events.ERROR, (e, data) => note(`${data.details}${data.fatal ? ' (fatal)' : ''}`));
}, 20);
"""


class HealthLog(threading.Thread):
    """The stream's health as the studio page hears it (`chirp:live:health`): whether the relay
    kept up with real time while latency was measured (on a loaded machine it may not)."""

    def __init__(self, url: str, token: str, stream_id: str) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.stream_id = url, token, stream_id
        self.reports: list[dict[str, Any]] = []
        self.done = threading.Event()

    def run(self) -> None:
        ws_url = self.url.replace("http", "ws", 1) + f"/api/v1/streaming?access_token={self.token}"
        with connect(ws_url) as ws:
            subscribe = {"type": "subscribe", "stream": "chirp:live:health", "id": self.stream_id}
            ws.send(json.dumps(subscribe))
            while not self.done.is_set():
                try:
                    frame = json.loads(ws.recv(timeout=1))
                except TimeoutError:
                    continue
                if frame.get("event") == "stream.health":
                    self.reports.append({"at": time.time(), **json.loads(frame["payload"])})

    def summary(self, since: float, until: float) -> dict[str, Any]:
        window = [r for r in self.reports if since <= r["at"] <= until]
        if not window:
            return {}
        speeds = [r["encoder_speed"] for r in window if r["encoder_speed"] is not None]
        rungs: dict[str, list[float]] = {}
        copied = sorted({r["name"] for r in window[-1]["rungs"] if r["passthrough"]})
        for report in window:
            for rung in report["rungs"]:
                if rung["speed"] is not None:
                    rungs.setdefault(rung["name"], []).append(rung["speed"])
        return {
            "transcoder_speed_p50": round(_pct(speeds, 0.5), 2) if speeds else None,
            "rung_speed_min": {name: round(min(v), 2) for name, v in rungs.items()},
            "copied_rungs": copied,  # passthrough: the source's video, not re-encoded
            "dropped_frames": window[-1]["dropped_frames"],
            "ingest_kbps_p50": _pct([r["ingest_kbps"] or 0 for r in window], 0.5),
        }


class EncoderPace(threading.Thread):
    """How far behind real time the synthetic publisher's output is (its `-progress` reports:
    wall-clock seconds since T0 minus the media seconds it has sent): part of every latency
    measured here, though a streamer's own machine would not add it."""

    def __init__(self, encoder: subprocess.Popen[str], started: float) -> None:
        super().__init__(daemon=True)
        self.encoder, self.started = encoder, started
        self.lags: list[tuple[float, float]] = []  # (at, seconds behind)

    def run(self) -> None:
        assert self.encoder.stdout is not None
        for line in self.encoder.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit():
                now = time.time()
                self.lags.append((now, now - self.started - int(value) / 1e6))

    def startup(self) -> float:
        """Seconds from T0 to the publisher's own clock origin (when it sent frame 0): its
        smallest lag, as `-re` never sends a frame early."""
        if not self.lags:
            raise RuntimeError("the publisher reported no progress")
        return min(lag for _, lag in self.lags)

    def behind(self, since: float, until: float) -> dict[str, float] | None:
        window = [lag for at, lag in self.lags if since <= at <= until]
        if not window:
            return None
        return {"p50": round(_pct(window, 0.5), 2), "max": round(max(window), 2)}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


MODES = {"regular": ("?latency=regular", 6.0, None), "low_latency": ("", 2.5, 2.0)}


def _figures(
    samples: list[dict[str, Any]], origin: float, started: float, mode: str, segment: float
) -> dict[str, Any]:
    """`origin`: when the publisher sent frame 0 (its clock); `started`: T0, just before it
    was started (its start-up and RTMP handshake then count as latency too)."""
    # The read-back numbers must climb as the clock does (about RATE / 2 per sample): a
    # misread frame would make nonsense latency, so the check is part of the result.
    steps = [b["frame"] - a["frame"] for a, b in itertools.pairwise(samples)]
    consistent = sum(1 for d in steps if 0 < d <= RATE * 2)
    glass = [s["wall_ms"] / 1000 - (origin + s["frame"] / RATE) for s in samples]
    spawn = [s["wall_ms"] / 1000 - (started + s["frame"] / RATE) for s in samples]
    edge = [float(s["edge_s"]) for s in samples if s["edge_s"] is not None]
    target = [float(s["target_s"]) for s in samples if s.get("target_s") is not None]
    _, p95_target, p50_target = MODES[mode]
    p50, p95 = _pct(glass, 0.5), _pct(glass, 0.95)
    return {
        "mode": mode,
        "segment_seconds": segment,
        "samples": len(samples),
        "frame_numbers_consistent": f"{consistent}/{len(steps)}",
        "glass_to_glass_p50_s": round(p50, 2),
        "glass_to_glass_p95_s": round(p95, 2),
        "glass_to_glass_max_s": round(max(glass), 2),
        "publisher_startup_s": round(origin - started, 2),
        "glass_to_glass_from_spawn_p50_s": round(_pct(spawn, 0.5), 2),
        "glass_to_glass_from_spawn_p95_s": round(_pct(spawn, 0.95), 2),
        "behind_live_edge_p50_s": round(_pct(edge, 0.5), 2) if edge else None,
        # hls.js's target distance behind the edge: it grows with every stall it sees.
        "player_target_p50_s": round(_pct(target, 0.5), 2) if target else None,
        "stalls_while_sampling": samples[-1].get("stalls", 0) if samples else 0,
        "sped_up_samples": sum(1 for s in samples if s.get("rate", 1) > 1),
        "rungs_played": sorted({int(s["height"]) for s in samples}),
        "target_p50_s": p50_target,
        "target_p95_s": p95_target,
        "met": p95 <= p95_target and (p50_target is None or p50 <= p50_target),
        "met_counting_startup": _pct(spawn, 0.95) <= p95_target
        and (p50_target is None or _pct(spawn, 0.5) <= p50_target),
        # Each sample: seconds since the first, glass to glass, behind the edge, hls.js's target
        # and the playback rate (above 1: catching up with the live edge).
        "trace": [
            [
                round((s["wall_ms"] - samples[0]["wall_ms"]) / 1000, 2),
                round(g, 2),
                None if s["edge_s"] is None else round(float(s["edge_s"]), 2),
                None if s.get("target_s") is None else round(float(s["target_s"]), 2),
                s.get("rate"),
            ]
            for s, g in zip(samples, glass, strict=True)
        ],
    }


def _measure(
    driver: Any,
    node: ChirpProcess,
    streamer: dict[str, str],
    mode: str,
    segment: float,
    seconds: float,
    warmup: float,
    source: Path,
) -> dict[str, Any]:
    """One mode on a stream of its own (a fresh encoder and relay run): a backlog the loaded
    machine built up in one mode is not carried into the other."""
    auth = {"Authorization": f"Bearer {streamer['token']}"}
    api = f"{node.url}/api/v1/chirp"
    stream = requests.post(
        f"{api}/streams", headers=auth, json={"title": f"latency {mode}"}, timeout=10
    ).json()
    key = requests.post(f"{api}/stream_key", headers=auth, timeout=10).json()
    args = [
        require_tool("ffmpeg", "ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin",
        # Its pace (how far behind real time its output is) for the report.
        "-progress", "pipe:1", "-stats_period", "1",
        "-re", "-i", str(source), "-c", "copy", "-f", "flv",
        f"{key['rtmp_url']}/{key['stream_key']}",
    ]  # fmt: skip
    health = HealthLog(node.url, streamer["token"], stream["id"])
    started = time.time()
    encoder = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    pace = EncoderPace(encoder, started)
    try:
        health.start()
        pace.start()
        deadline = time.monotonic() + 60
        while requests.get(f"{api}/streams/{stream['id']}", timeout=10).json()["state"] != "live":
            if time.monotonic() > deadline:
                raise RuntimeError("the stream did not go live")
            time.sleep(0.2)
        driver.get(f"{node.url}/live/{stream['id']}{MODES[mode][0]}")
        driver.execute_script(WATCHER)
        time.sleep(warmup)
        sampling = time.time()
        samples = driver.execute_async_script(SAMPLER, int(seconds * 2), 500)
        played = driver.execute_script("return window.chirpWatch.mode")
        if played != ("low" if mode == "low_latency" else "regular"):
            raise RuntimeError(f"the page played {played!r} when {mode} was asked")
        figures = _figures(samples, started + pace.startup(), started, mode, segment)
        # What the player went through since the page opened: hls.js's errors (stalls among
        # them) and seeks, each with seconds since the page opened.
        figures["player_events"] = driver.execute_script("return window.benchEvents || []")
        figures["relay"] = health.summary(sampling, time.time())
        figures["publisher_behind_s"] = pace.behind(sampling, time.time())
        requests.post(f"{api}/streams/{stream['id']}/end", headers=auth, timeout=10)
        return figures
    finally:
        health.done.set()
        encoder.kill()
        encoder.wait()


def encode_source(folder: Path, segment: float, seconds: float, kbps: int | None) -> Path:
    """The stream a streamer's encoder would send, with each frame's number stamped on it,
    encoded ahead (as fast as the machine goes) into an FLV file the publishers replay."""
    path = folder / "source.flv"
    args = encoder_args(
        str(path),
        seconds=seconds,
        size="1280x720",
        rate=RATE,
        keyint_seconds=segment,
        video_filter=frame_number_filter(),
        video_kbps=kbps,
    )
    args.remove("-re")
    subprocess.run(args, check=True)
    return path


def player_latency(
    segment: float,
    seconds: float,
    warmup: float = 10.0,
    ladder: str = "",
    source_kbps: int | None = SOURCE_KBPS,
    passthrough: bool = True,
) -> dict[str, Any]:
    """Start a node, publish, watch in chromium for `seconds` after `warmup` in each mode; the
    figures by mode, with the load average before and after."""
    load_before = os.getloadavg()
    require_chromium()
    with tempfile.TemporaryDirectory(prefix="chirp-bench-player-") as tmp:
        rtmp_port = free_port()
        node = ChirpProcess(
            Path(tmp) / "data",
            env={
                "CHIRP_RTMP_PORT": str(rtmp_port),
                "CHIRP_LIVE_SEGMENT_SECONDS": str(segment),
                "CHIRP_LIVE_LADDER": ladder,  # empty: the default ladder (720p, 480p, 240p)
                "CHIRP_LIVE_PASSTHROUGH": str(passthrough).lower(),
                "CHIRP_LOG_LEVEL": "WARNING",
            },
        ).start()
        try:
            streamer = register(node.url, "streamer")
            results: dict[str, Any] = {}
            source = encode_source(Path(tmp), segment, warmup + seconds + 60, source_kbps)
            with chromium() as driver:
                driver.set_script_timeout(warmup + seconds + 60)
                for mode in MODES:
                    results[mode] = _measure(
                        driver, node, streamer, mode, segment, seconds, warmup, source
                    )
        finally:
            node.stop()
    return {
        **results,
        "ladder": ladder or "default",
        "source": f"1280x720 {RATE} fps, "
        + (f"{source_kbps} kbit/s CBR announced" if source_kbps else "x264 CRF, no rate announced"),
        "passthrough": passthrough,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segment", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="seconds from opening the page to sampling"
    )
    parser.add_argument("--ladder", default="", help="CHIRP_LIVE_LADDER for the node")
    parser.add_argument(
        "--source-kbps",
        type=int,
        default=SOURCE_KBPS,
        help="the encoder's constant bit rate, announced as OBS does (0: x264's constant "
        "quality, no rate announced, so the relay cannot copy the source)",
    )
    parser.add_argument(
        "--no-passthrough",
        action="store_true",
        help="CHIRP_LIVE_PASSTHROUGH=false: re-encode the top rung even when the source fits it",
    )
    options = parser.parse_args()
    result = player_latency(
        options.segment,
        options.seconds,
        warmup=options.warmup,
        ladder=options.ladder,
        source_kbps=options.source_kbps or None,
        passthrough=not options.no_passthrough,
    )
    print(json.dumps(result, indent=2))
    print(
        f"\n{'mode':<12} {'samples':>7} {'p50 s':>6} {'p95 s':>6} {'max s':>6} {'edge s':>6}"
        f" {'target':>6} {'stalls':>6} {'ffmpeg x':>8} {'startup':>7} {'p50/p95 +startup':>16}"
        " met"
    )
    for mode in MODES:
        row = result[mode]
        counted = (
            f"{row['glass_to_glass_from_spawn_p50_s']}/{row['glass_to_glass_from_spawn_p95_s']}"
        )
        print(
            f"{mode:<12} {row['samples']:>7} {row['glass_to_glass_p50_s']:>6} "
            f"{row['glass_to_glass_p95_s']:>6} {row['glass_to_glass_max_s']:>6} "
            f"{row['behind_live_edge_p50_s']!s:>6} {row['player_target_p50_s']!s:>6} "
            f"{row['stalls_while_sampling']:>6} "
            f"{row['relay'].get('transcoder_speed_p50')!s:>8} "
            f"{row['publisher_startup_s']:>7} {counted:>16} "
            f"{'yes' if row['met'] else 'no'}/{'yes' if row['met_counting_startup'] else 'no'}"
        )
    print(f"source: {result['source']}, ladder: {result['ladder']}")
    print(
        f"load average before {result['load_average_before']}, after {result['load_average_after']}"
    )
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/player.json").write_text(json.dumps(result, indent=2))
