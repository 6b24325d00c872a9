"""One ffmpeg process per publisher connection: FLV (RTMP) or WebM (browser) on stdin, an HLS
ladder of MPEG-TS segments on disk, keyframes forced at every segment boundary in every rung
(closed GOPs, aligned, so players switch renditions at any segment).

The source is decoded once, scaled once per rung (one `split` filter graph) and every stream is
encoded once: all of them go to a single `tee` output whose slaves each select one rung's video
and its audio, so rungs of the same audio bit rate share one AAC encode (audio encoding was a
quarter of a three-rung ladder's CPU when every rung had its own).

With low latency on (`part_seconds`), each rung's streams also go, through the same `tee`
(encoded once, muxed twice), as fragmented MP4 to a pipe of their own: a fragment every
`part_seconds` and at each keyframe, read by `chirp.video.parts`."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from chirp.video.health import parse_progress
from chirp.video.ladder import MAXRATE_FACTOR, Plan, Rung

log = logging.getLogger(__name__)

FFMPEG_PLAYLIST = "ffmpeg.m3u8"


def ffmpeg_args(
    plan: Plan,
    input_format: str,
    workdir: Path,
    segment_seconds: float,
    run: int,
    part_fds: dict[str, int] | None = None,
    part_seconds: float = 0.0,
) -> list[str]:
    """`part_fds`: by rung name, the pipe each rung's fragmented MP4 goes to (low latency)."""
    encoded = [i for i, rung in enumerate(plan.rungs) if not rung.passthrough]
    splits = "".join(f"[s{i}]" for i in encoded)
    graph = [f"[0:v:0]split={len(encoded)}{splits}" if len(encoded) > 1 else f"[0:v:0]null{splits}"]
    graph += [
        f"[s{i}]scale={plan.rungs[i].width}:{plan.rungs[i].height},setsar=1[v{i}]" for i in encoded
    ]
    args = [
        "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-nostdin",
        # Progress (frames, drops, speed) on stdout each second: the streamer's stream health.
        "-progress", "pipe:1", "-stats_period", "1",
        # Slice threads only when decoding: frame threads would hold every frame back one
        # frame per thread, and one thread decodes a 1080p60 source in a fraction of a core.
        "-thread_type", "slice",
        "-fflags", "+genpts", "-f", input_format, "-i", "pipe:0",
    ]  # fmt: skip
    if encoded:
        args += ["-filter_complex", ";".join(graph)]
    for i, rung in enumerate(plan.rungs):
        args += _video_args(plan, rung, i, segment_seconds)
    audio = audio_streams(plan)
    for kbps in audio:
        args += _audio_args(audio.index(kbps), kbps)
    if part_fds:
        # MP4 needs the codecs' headers up front (avcC, AudioSpecificConfig); MPEG-TS
        # repeats them in band by itself.
        args += ["-flags:v", "+cgop+global_header", "-flags:a", "+global_header"]
    slaves = []
    for i, rung in enumerate(plan.rungs):
        # Stream specifiers of the tee's own streams: videos first, in rung order, then audio.
        select = f"v:{i},a:{audio.index(rung.audio_kbps)}"
        fd = (part_fds or {}).get(rung.name)
        slaves += _rung_outputs(workdir / rung.name, select, segment_seconds, run, fd, part_seconds)
    return [*args, "-f", "tee", "|".join(slaves)]


def audio_streams(plan: Plan) -> list[int]:
    """The audio bit rates encoded, each once, in the order of the rungs that first use them."""
    return list(dict.fromkeys(rung.audio_kbps for rung in plan.rungs))


def _video_args(plan: Plan, rung: Rung, index: int, segment_seconds: float) -> list[str]:
    v = f"v:{index}"
    if rung.passthrough:  # the source's H.264 as it came: segments end at its keyframes
        return ["-map", "0:v:0", f"-c:{v}", "copy"]
    kbps = rung.video_kbps
    return [
        "-map", f"[v{index}]",
        f"-c:{v}", "libx264", f"-preset:{v}", plan.preset, f"-tune:{v}", "zerolatency",
        f"-profile:{v}", "main", f"-level:{v}", "3.1", f"-pix_fmt:{v}", "yuv420p",
        f"-b:{v}", f"{kbps}k", f"-maxrate:{v}", f"{int(kbps * MAXRATE_FACTOR)}k",
        f"-bufsize:{v}", f"{kbps * 2}k",
        # Keyframes only where we force them: at every segment boundary, the same in all rungs.
        f"-g:{v}", "100000", f"-keyint_min:{v}", "1", f"-sc_threshold:{v}", "0",
        f"-flags:{v}", "+cgop",
        f"-force_key_frames:{v}", f"expr:gte(t,n_forced*{segment_seconds})",
    ]  # fmt: skip


def _audio_args(index: int, kbps: int) -> list[str]:
    a = f"a:{index}"
    return [
        "-map", "0:a:0?",
        f"-c:{a}", "aac", f"-b:{a}", f"{kbps}k", f"-ac:{a}", "2", f"-ar:{a}", "48000",
    ]  # fmt: skip


def _rung_outputs(
    folder: Path,
    select: str,
    segment_seconds: float,
    run: int,
    part_fd: int | None,
    part_seconds: float,
) -> list[str]:
    """The rung's `tee` slaves: its HLS playlist and segments, and its fragmented MP4 pipe."""
    hls = {
        "hls_time": str(segment_seconds),
        "hls_list_size": "0",
        "hls_segment_type": "mpegts",
        "hls_flags": "independent_segments",
        "hls_segment_filename": str(folder / f"r{run:03d}-%05d.ts"),
    }
    playlist = str(folder / FFMPEG_PLAYLIST)
    for value in (*hls.values(), playlist):
        if any(c in value for c in ":|[]\\'"):  # the tee muxer's separators
            raise ValueError(f"cannot pass {value!r} through ffmpeg's tee muxer")
    # `select`'s own colons and commas are quoted for the tee's second level of parsing.
    chosen = f"select=\\'{select}\\'"
    slaves = [f"[{chosen}:f=hls:" + ":".join(f"{k}={v}" for k, v in hls.items()) + f"]{playlist}"]
    if part_fd is not None:
        mp4 = {
            "f": "mp4",
            "movflags": "+frag_keyframe+empty_moov+default_base_moof",
            "frag_duration": str(round(part_seconds * 1_000_000)),
            "flush_packets": "1",  # each fragment leaves ffmpeg as soon as it is complete
            "onfail": "ignore",  # parts failing must not stop regular HLS
        }
        options = ":".join(f"{k}={v}" for k, v in mp4.items())
        slaves.append(f"[{chosen}:{options}]pipe:{part_fd}")
    return slaves


class Transcoder:
    def __init__(
        self,
        plan: Plan,
        input_format: str,
        workdir: Path,
        segment_seconds: float,
        run: int,
        part_seconds: float = 0.0,
    ) -> None:
        """`part_seconds` > 0: low latency, `part_readers` then hold each rung's parts."""
        self.plan, self.workdir = plan, workdir
        self.input_format, self.segment_seconds, self.run = input_format, segment_seconds, run
        self.part_seconds = part_seconds
        self.part_readers: dict[str, asyncio.StreamReader] = {}
        self.args = ffmpeg_args(plan, input_format, workdir, segment_seconds, run)
        self.process: asyncio.subprocess.Process | None = None
        self._errors: collections.deque[str] = collections.deque(maxlen=20)
        self._stderr_task: asyncio.Task[None] | None = None
        self._progress_task: asyncio.Task[None] | None = None
        # Called with each block of ffmpeg's progress report (see `chirp.video.health`).
        self.on_progress: Callable[[dict[str, str]], None] = lambda block: None

    async def start(self) -> None:
        for rung in self.plan.rungs:
            (self.workdir / rung.name).mkdir(parents=True, exist_ok=True)
        binary = shutil.which("ffmpeg")
        if binary is None:
            raise RuntimeError("ffmpeg is not installed (apt-get install ffmpeg)")
        pipes: dict[str, tuple[int, int]] = {}
        if self.part_seconds > 0:
            pipes = {rung.name: os.pipe() for rung in self.plan.rungs}
            self.args = ffmpeg_args(
                self.plan,
                self.input_format,
                self.workdir,
                self.segment_seconds,
                self.run,
                {name: write for name, (_, write) in pipes.items()},
                self.part_seconds,
            )
        try:
            self.process = await asyncio.create_subprocess_exec(
                binary,
                *self.args[1:],
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                pass_fds=[write for _, write in pipes.values()],
            )
        finally:
            for _, write in pipes.values():
                os.close(write)  # ffmpeg holds its copies: its exit ends the readers
        loop = asyncio.get_running_loop()
        for name, (read, _) in pipes.items():
            reader = asyncio.StreamReader(limit=1 << 24)
            await loop.connect_read_pipe(
                lambda reader=reader: asyncio.StreamReaderProtocol(reader),  # type: ignore[misc]
                os.fdopen(read, "rb", buffering=0),
            )
            self.part_readers[name] = reader
        self._stderr_task = asyncio.create_task(self._drain_stderr())
        self._progress_task = asyncio.create_task(self._read_progress())

    async def _read_progress(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        block: list[str] = []
        async for raw in self.process.stdout:
            line = raw.decode(errors="replace")
            block.append(line)
            if line.startswith("progress="):
                self.on_progress(parse_progress(block))
                block = []

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
        try:
            # Flushing stdin is inside the grace period too: an ffmpeg that stopped reading
            # (stalled on its outputs) would otherwise hold the stream's end back for good.
            async with asyncio.timeout(grace_seconds):
                if self.process.stdin is not None and not self.process.stdin.is_closing():
                    self.process.stdin.close()
                    with contextlib.suppress(ConnectionError, BrokenPipeError):
                        await self.process.stdin.wait_closed()
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        if self._stderr_task is not None:
            await self._stderr_task
        if self._progress_task is not None:
            await self._progress_task
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
