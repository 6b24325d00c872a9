"""One ffmpeg process per publisher connection: FLV (RTMP) or WebM (browser) on stdin, an HLS
ladder of MPEG-TS segments on disk, keyframes forced at every segment boundary in every rung
(closed GOPs, aligned, so players switch renditions at any segment)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import shutil
from pathlib import Path

from chirp.streaming.ladder import MAXRATE_FACTOR, Plan, Rung

log = logging.getLogger(__name__)

FFMPEG_PLAYLIST = "ffmpeg.m3u8"


def ffmpeg_args(
    plan: Plan, input_format: str, workdir: Path, segment_seconds: float, run: int
) -> list[str]:
    n = len(plan.rungs)
    splits = "".join(f"[s{i}]" for i in range(n))
    graph = [f"[0:v:0]split={n}{splits}" if n > 1 else "[0:v:0]null[s0]"]
    graph += [f"[s{i}]scale={r.width}:{r.height},setsar=1[v{i}]" for i, r in enumerate(plan.rungs)]
    args = [
        "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-nostdin",
        "-fflags", "+genpts", "-f", input_format, "-i", "pipe:0",
        "-filter_complex", ";".join(graph),
    ]  # fmt: skip
    for i, rung in enumerate(plan.rungs):
        args += _rung_args(plan, rung, i, workdir / rung.name, segment_seconds, run)
    return args


def _rung_args(
    plan: Plan, rung: Rung, index: int, folder: Path, segment_seconds: float, run: int
) -> list[str]:
    kbps = rung.video_kbps
    return [
        "-map", f"[v{index}]", "-map", "0:a:0?",
        "-c:v", "libx264", "-preset", plan.preset, "-tune", "zerolatency",
        "-profile:v", "main", "-level:v", "3.1", "-pix_fmt", "yuv420p",
        "-b:v", f"{kbps}k", "-maxrate", f"{int(kbps * MAXRATE_FACTOR)}k", "-bufsize", f"{kbps * 2}k",
        # Keyframes only where we force them: at every segment boundary, the same in all rungs.
        "-g", "100000", "-keyint_min", "1", "-sc_threshold", "0", "-flags", "+cgop",
        "-force_key_frames", f"expr:gte(t,n_forced*{segment_seconds})",
        "-c:a", "aac", "-b:a", f"{rung.audio_kbps}k", "-ac", "2", "-ar", "48000",
        "-f", "hls", "-hls_time", str(segment_seconds), "-hls_list_size", "0",
        "-hls_segment_type", "mpegts", "-hls_flags", "independent_segments",
        "-hls_segment_filename", str(folder / f"r{run:03d}-%05d.ts"),
        str(folder / FFMPEG_PLAYLIST),
    ]  # fmt: skip


class Transcoder:
    def __init__(
        self, plan: Plan, input_format: str, workdir: Path, segment_seconds: float, run: int
    ) -> None:
        self.plan, self.workdir = plan, workdir
        self.args = ffmpeg_args(plan, input_format, workdir, segment_seconds, run)
        self.process: asyncio.subprocess.Process | None = None
        self._errors: collections.deque[str] = collections.deque(maxlen=20)
        self._stderr_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        for rung in self.plan.rungs:
            (self.workdir / rung.name).mkdir(parents=True, exist_ok=True)
        binary = shutil.which("ffmpeg")
        if binary is None:
            raise RuntimeError("ffmpeg is not installed (apt-get install ffmpeg)")
        self.process = await asyncio.create_subprocess_exec(
            binary,
            *self.args[1:],
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._stderr_task = asyncio.create_task(self._drain_stderr())

    async def _drain_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        async for line in self.process.stderr:
            self._errors.append(line.decode(errors="replace").rstrip())

    async def write(self, data: bytes) -> None:
        """Feed input; ConnectionError once ffmpeg is gone (the publisher is then dropped)."""
        assert self.process is not None and self.process.stdin is not None
        if self.process.returncode is not None:
            raise ConnectionError("transcoder exited")
        self.process.stdin.write(data)
        await self.process.stdin.drain()

    async def finish(self, grace_seconds: float = 15.0) -> None:
        """End of input: ffmpeg flushes the last segment and exits (killed if it hangs)."""
        if self.process is None:
            return
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
            with contextlib.suppress(ConnectionError, BrokenPipeError):
                await self.process.stdin.wait_closed()
        try:
            async with asyncio.timeout(grace_seconds):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        if self._stderr_task is not None:
            await self._stderr_task
        if self.process.returncode not in (0, None) and self._errors:
            log.warning(
                "transcoder exited with errors",
                extra={"returncode": self.process.returncode, "stderr": " | ".join(self._errors)},
            )


async def probe_frame_rate(path: Path) -> float | None:
    """The video frame rate of a finished segment (ffprobe), for the master's FRAME-RATE; None
    when it cannot be told (no ffprobe, no video, a broken file)."""
    binary = shutil.which("ffprobe")
    if binary is None:
        return None
    process = await asyncio.create_subprocess_exec(
        binary, "-v", "error", "-select_streams", "v:0",
        "-show_entries", "stream=r_frame_rate", "-of", "csv=p=0", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await process.communicate()
    lines = out.decode().split()  # MPEG-TS: once for the stream, again for its program
    numerator, _, denominator = (lines[0] if lines else "").partition("/")
    try:
        rate = float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return rate if 0 < rate <= 1000 else None
