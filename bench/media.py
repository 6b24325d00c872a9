"""Media processing time: a 12-megapixel photo and a 30-second 1080p clip, through the same
worker pool and code the server uses (`chirp.media.jobs` in a `MediaWorkers` process).

    .venv/bin/python -m bench.media [--runs 3]

Inputs are made here: a 4000x3000 JPEG with EXIF/GPS (a noisy, detailed picture, not a flat
one that compresses to nothing) and a 30 s 1920x1080 30 fps H.264 clip with AAC audio, encoded
at a phone-like bitrate. Prints a table and writes bench/results/media.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFilter

from chirp.core.ports.media_processing import Limits
from chirp.media import jobs
from chirp.media.workers import MediaWorkers

RESULTS = Path(__file__).parent / "results" / "media.json"


def make_photo(path: Path) -> None:
    width, height = 4000, 3000
    noise = Image.effect_noise((width, height), 60).convert("RGB")
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(base, noise, 0.35).filter(ImageFilter.SMOOTH)
    draw = ImageDraw.Draw(image)
    for i in range(0, width, 97):
        draw.line([(i, 0), (width - i, height)], fill=(i % 255, 80, 200), width=3)
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.48), 3: "E", 4: (2.0, 21.0, 7.53)}
    image.save(path, "JPEG", quality=92, exif=exif.tobytes())


def make_clip(path: Path, seconds: int = 30) -> None:
    width, height, rate = 1920, 1080, 30
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "b": "12M"}
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        noise = Image.effect_noise((width // 4, height // 4), 50).resize((width, height))
        base = Image.merge(
            "RGB", (noise, Image.linear_gradient("L").resize((width, height)), noise)
        )
        for index in range(seconds * rate):
            frame_image = base.copy()
            x = (index * 16) % width
            ImageDraw.Draw(frame_image).rectangle([x, 200, x + 300, 700], fill=(255, 40, 40))
            frame = av.VideoFrame.from_image(frame_image)
            frame.pts, frame.time_base = index, Fraction(1, rate)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        samples = 1024
        silence = av.AudioFrame(format="fltp", layout="stereo", samples=samples)
        for plane in silence.planes:
            plane.update(bytes(plane.buffer_size))
        silence.sample_rate = 48000
        for index in range(seconds * 48000 // samples):
            silence.pts = index * samples
            for packet in audio.encode(silence):
                out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)


async def measure(
    workers: MediaWorkers, source: Path, content_type: str, runs: int, work: Path
) -> dict[str, object]:
    limits = Limits()
    probes, totals = [], []
    processed = None
    for run in range(runs):
        started = time.perf_counter()
        probe = await workers.run(600, jobs.probe, source, content_type, limits)
        probed = time.perf_counter()
        processed = await workers.run(
            1200, jobs.process, source, probe, work / f"{source.stem}-{run}", limits
        )
        finished = time.perf_counter()
        probes.append(probed - started)
        totals.append(finished - started)
    assert processed is not None
    return {
        "input": source.name,
        "input_bytes": source.stat().st_size,  # noqa: ASYNC240 (one stat, after the run)
        "output": f"{processed.original.width}x{processed.original.height} {processed.original.content_type}",
        "output_bytes": processed.original.size,
        "preview": f"{processed.preview.width}x{processed.preview.height}",
        "runs": runs,
        "probe_seconds_median": round(statistics.median(probes), 3),
        "total_seconds_median": round(statistics.median(totals), 3),
        "total_seconds_min": round(min(totals), 3),
        "total_seconds_max": round(max(totals), 3),
    }


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="chirp-bench-media-") as tmp:
        work = Path(tmp)
        photo, clip = work / "photo-12mp.jpg", work / "clip-1080p-30s.mp4"
        print("making inputs (a 12 MP photo, a 30 s 1080p clip)...", flush=True)
        make_photo(photo)
        make_clip(clip)
        workers = MediaWorkers(1)
        try:
            await workers.run(60, jobs.probe, photo, "image/jpeg", Limits())  # start the worker
            rows = [
                await measure(workers, photo, "image/jpeg", runs, work),
                await measure(workers, clip, "video/mp4", max(1, runs - 1), work),
            ]
        finally:
            await workers.close()
    rows[0]["case"], rows[1]["case"] = (
        "12 MP photo (4000x3000 JPEG)",
        "30 s 1080p30 clip (H.264/AAC)",
    )
    header = f"{'case':34} {'input':>10} {'output':>26} {'probe s':>8} {'total s (median)':>17} {'min-max':>13}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['case']:34} {int(row['input_bytes']) / 1e6:>8.1f}MB {row['output']:>26} "  # type: ignore[call-overload]
            f"{row['probe_seconds_median']:>8} {row['total_seconds_median']:>17} "
            f"{row['total_seconds_min']}-{row['total_seconds_max']:>6}"
        )
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pillow": Image.__version__,
        "pyav": av.__version__,
        "max_rss_mb_parent": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine, "results": rows}, indent=2) + "\n")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args().runs))
