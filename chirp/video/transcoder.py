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

from chirp.video.ladder import MAXRATE_FACTOR, Plan, Rung

log = logging.getLogger(__name__)

FFMPEG_PLAYLIST = "ffmpeg.m3u8"


def ffmpeg_args(
    plan: Plan, input_format: str, workdir: Path, segment_seconds: float, run: int
) -> list[str]:
    encoded = [i for i, rung in enumerate(plan.rungs) if not rung.passthrough]
    splits = "".join(f"[s{i}]" for i in encoded)
    graph = [f"[0:v:0]split={len(encoded)}{splits}" if len(encoded) > 1 else f"[0:v:0]null{splits}"]
    graph += [
        f"[s{i}]scale={plan.rungs[i].width}:{plan.rungs[i].height},setsar=1[v{i}]" for i in encoded
    ]
    args = [
        "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-nostdin",
        "-fflags", "+genpts", "-f", input_format, "-i", "pipe:0",
    ]  # fmt: skip
    if encoded:
        args += ["-filter_complex", ";".join(graph)]
    for i, rung in enumerate(plan.rungs):
        args += _rung_args(plan, rung, i, workdir / rung.name, segment_seconds, run)
    return args


def _video_args(plan: Plan, rung: Rung, index: int, segment_seconds: float) -> list[str]:
    if rung.passthrough:  # the source's H.264 as it came: segments end at its keyframes
        return ["-map", "0:v:0", "-c:v", "copy"]
    kbps = rung.video_kbps
    return [
        "-map", f"[v{index}]",
        "-c:v", "libx264", "-preset", plan.preset, "-tune", "zerolatency",
        "-profile:v", "main", "-level:v", "3.1", "-pix_fmt", "yuv420p",
        "-b:v", f"{kbps}k", "-maxrate", f"{int(kbps * MAXRATE_FACTOR)}k", "-bufsize", f"{kbps * 2}k",
        # Keyframes only where we force them: at every segment boundary, the same in all rungs.
        "-g", "100000", "-keyint_min", "1", "-sc_threshold", "0", "-flags", "+cgop",
        "-force_key_frames", f"expr:gte(t,n_forced*{segment_seconds})",
    ]  # fmt: skip


def _rung_args(
    plan: Plan, rung: Rung, index: int, folder: Path, segment_seconds: float, run: int
) -> list[str]:
    return [
        *_video_args(plan, rung, index, segment_seconds),
        "-map", "0:a:0?",
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


async def _probe_video(path: Path, entries: str) -> list[str]:
    """ffprobe's comma-separated `entries` of a segment's video stream (MPEG-TS lists them once
    for the stream and again for its program: the first line is taken); [] when it cannot tell
    (no ffprobe, no video, a broken file)."""
    binary = shutil.which("ffprobe")
    if binary is None:
        return []
    process = await asyncio.create_subprocess_exec(
        binary, "-v", "error", "-select_streams", "v:0",
        "-show_entries", f"stream={entries}", "-of", "csv=p=0", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await process.communicate()
    lines = [line.strip() for line in out.decode().splitlines() if line.strip()]
    return lines[0].split(",") if lines else []


# `avc1.<profile_idc><constraint flags><level_idc>` (RFC 6381) of the profiles ffprobe names.
_AVC_PROFILES = {"Constrained Baseline": "42e0", "Baseline": "4200", "Main": "4d40", "High": "6400"}


async def probe_codecs(path: Path) -> str | None:
    """The CODECS string of a finished segment whose video was copied from the source (H.264
    of any profile, AAC-LC audio from us); None when it cannot be told."""
    fields = await _probe_video(path, "codec_name,profile,level")
    if len(fields) != 3 or fields[0] != "h264" or fields[1] not in _AVC_PROFILES:
        return None
    if not fields[2].isdigit():
        return None
    return f"avc1.{_AVC_PROFILES[fields[1]]}{int(fields[2]):02x},mp4a.40.2"


async def probe_frame_rate(path: Path) -> float | None:
    """The video frame rate of a finished segment, for the master's FRAME-RATE; None when it
    cannot be told."""
    numerator, _, denominator = "".join(await _probe_video(path, "r_frame_rate")).partition("/")
    try:
        rate = float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return rate if 0 < rate <= 1000 else None
