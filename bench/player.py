"""Glass-to-glass latency of the watch page in headless Debian chromium (part of bench/live.py).

Method: `chirp serve` runs as a subprocess with RTMP ingest; a streamer gets a stream key from
the real API and an ffmpeg encoder (720p30 test pattern and tone, x264 `zerolatency`, keyframes
at the segment duration, as OBS is told to) publishes with `-re`, so frame n is made at
T0 + n / 30 on the machine's clock (T0: just before the encoder starts; its start-up time is
counted as latency, so the figure errs high). Every frame carries its number as 16 white/black
boxes (ffmpeg `drawbox` with `enable='gte(mod(n,2^(i+1)),2^i)'`), big enough to survive every
rung of the ladder. The watch page plays the stream as a viewer would; in the page, each frame
the browser presents (`requestVideoFrameCallback`) is drawn to a canvas every half second, its
boxes are read back into the frame number, and the latency of that sample is the frame's
expected display time (`performance.timeOrigin + expectedDisplayTime`, the same wall clock)
minus T0 + n / 30. The same samples also record `hls.latency`, hls.js's own distance behind the
live edge of the playlist.
"""

from __future__ import annotations

import itertools
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from tests.e2e.browser import chromium, require_chromium
from tests.e2e.process import ChirpProcess, free_port, register
from tests.video.publisher import encoder_args

RATE = 30
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
let last = 0;
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
                   edge_s: hls ? hls.latency : null, height: h}});
  }}
  if (samples.length >= count) done(samples); else video.requestVideoFrameCallback(step);
}}
video.requestVideoFrameCallback(step);
"""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def player_latency(segment: float, seconds: float, warmup: float = 10.0) -> dict[str, Any]:
    """Start a node, publish, watch in chromium for `seconds` after `warmup`; the figures."""
    require_chromium()
    with tempfile.TemporaryDirectory(prefix="chirp-bench-player-") as tmp:
        rtmp_port = free_port()
        node = ChirpProcess(
            Path(tmp) / "data",
            env={
                "CHIRP_RTMP_PORT": str(rtmp_port),
                "CHIRP_LIVE_SEGMENT_SECONDS": str(segment),
                "CHIRP_LOG_LEVEL": "WARNING",
            },
        ).start()
        encoder = None
        try:
            streamer = register(node.url, "streamer")
            auth = {"Authorization": f"Bearer {streamer['token']}"}
            api = f"{node.url}/api/v1/chirp"
            stream = requests.post(
                f"{api}/streams", headers=auth, json={"title": "latency"}, timeout=10
            ).json()
            key = requests.post(f"{api}/stream_key", headers=auth, timeout=10).json()
            args = encoder_args(
                f"{key['rtmp_url']}/{key['stream_key']}",
                seconds=warmup + seconds + 60,
                size="1280x720",
                rate=RATE,
                keyint_seconds=segment,
                video_filter=frame_number_filter(),
            )
            started = time.time()
            encoder = subprocess.Popen(args)
            with chromium() as driver:
                driver.set_script_timeout(warmup + seconds + 60)
                deadline = time.monotonic() + 60
                while (
                    requests.get(f"{api}/streams/{stream['id']}", timeout=10).json()["state"]
                    != "live"
                ):
                    if time.monotonic() > deadline:
                        raise RuntimeError("the stream did not go live")
                    time.sleep(0.2)
                driver.get(f"{node.url}/live/{stream['id']}")
                time.sleep(warmup)
                samples = driver.execute_async_script(SAMPLER, int(seconds * 2), 500)
            requests.post(f"{api}/streams/{stream['id']}/end", headers=auth, timeout=10)
        finally:
            if encoder is not None:
                encoder.kill()
                encoder.wait()
            node.stop()
    # The read-back numbers must climb as the clock does (about RATE / 2 per sample): a
    # misread frame would make nonsense latency, so the check is part of the result.
    steps = [b["frame"] - a["frame"] for a, b in itertools.pairwise(samples)]
    consistent = sum(1 for d in steps if 0 < d <= RATE * 2)
    glass = [s["wall_ms"] / 1000 - (started + s["frame"] / RATE) for s in samples]
    edge = [float(s["edge_s"]) for s in samples if s["edge_s"] is not None]
    return {
        "segment_seconds": segment,
        "samples": len(samples),
        "frame_numbers_consistent": f"{consistent}/{len(steps)}",
        "glass_to_glass_p50_s": round(_pct(glass, 0.5), 2),
        "glass_to_glass_p95_s": round(_pct(glass, 0.95), 2),
        "glass_to_glass_max_s": round(max(glass), 2),
        "behind_live_edge_p50_s": round(_pct(edge, 0.5), 2) if edge else None,
        "rungs_played": sorted({int(s["height"]) for s in samples}),
        "target_s": 6.0,
        "met": _pct(glass, 0.95) <= 6.0,
    }


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segment", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    options = parser.parse_args()
    print(json.dumps(player_latency(options.segment, options.seconds), indent=2))
