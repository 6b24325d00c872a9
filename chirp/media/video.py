"""Video and animated images with PyAV: H.264/AAC in MP4 with the index up front (`faststart`,
so playback starts before the download ends), scaled to a maximum edge, bitrate-capped, rotated
upright, with a poster frame. Runs in a worker process.

The demuxer is forced from the sniffed type (never FFmpeg's own probing), so a file that merely
looks like an MP4 cannot steer FFmpeg into playlist or image-sequence demuxers that open other
files.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from PIL import Image

from chirp.core.ports.media_processing import Limits, MediaRejected, Probe, Processed
from chirp.media import blurhash
from chirp.media.files import describe, fit, save_still

DEMUXERS = {"video/mp4": "mov", "video/quicktime": "mov", "video/webm": "matroska"}
MAX_FPS = 60
AUDIO_RATE = 48_000
AUDIO_BITRATE = 128_000
# Browsers show GIF frames of 0 or 10 ms for 100 ms; so do we, or they would flash by.
MIN_GIF_FRAME_MS = 20
DEFAULT_GIF_FRAME_MS = 100


def _open_input(path: Path, content_type: str) -> Any:
    demuxer = DEMUXERS.get(content_type)
    if demuxer is None:
        raise MediaRejected(f"Unsupported video type {content_type}")
    try:
        return av.open(str(path), format=demuxer, options={"probesize": "10000000"})
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as error:
        raise MediaRejected(f"Video is corrupt or not supported ({error})") from None


def _duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    return None


def probe_video(path: Path, content_type: str, limits: Limits) -> Probe:
    container = _open_input(path, content_type)
    with container:
        if not container.streams.video:
            raise MediaRejected("File has no video track")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > limits.video_max_pixels:
            raise MediaRejected(
                f"Video is too large ({width}x{height} is more than {limits.video_max_pixels} pixels)"
            )
        duration = _duration(container, stream)
        if duration is not None and duration > limits.video_max_seconds:
            raise MediaRejected(
                f"Video is too long ({duration:.0f} s; the limit is {limits.video_max_seconds:.0f} s)"
            )
        try:
            first = next(container.decode(stream), None)
        except (av.FFmpegError, ValueError) as error:
            raise MediaRejected(f"Video is corrupt ({error})") from None
        if first is None or width < 1 or height < 1:
            raise MediaRejected("Video is corrupt (no frame could be decoded)")
        return Probe("video", content_type, width, height, duration)


class _Encoder:
    """An MP4 being written: H.264 video, optional AAC audio, and the poster frame."""

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        time_base: Fraction,
        rate: Fraction,
        limits: Limits,
        audio: bool,
    ) -> None:
        self.path = path
        self.output = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
        self.video = self.output.add_stream("libx264", rate=rate)
        self.video.width, self.video.height = width, height
        self.video.pix_fmt = "yuv420p"
        self.video.time_base = time_base
        self.video.codec_context.time_base = time_base
        kbps = limits.video_max_bitrate_kbps
        self.video.options = {
            "crf": "23",
            "preset": "veryfast",
            "profile": "high",
            "maxrate": f"{kbps}k",
            "bufsize": f"{2 * kbps}k",
        }
        self.audio = None
        if audio:
            self.audio = self.output.add_stream("aac", rate=AUDIO_RATE)
            self.audio.layout = "stereo"
            self.audio.bit_rate = AUDIO_BITRATE
            self.resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
        self.poster: Image.Image | None = None
        self.frames = 0
        self.last_pts = 0

    def add_video(self, frame: Any) -> None:
        if self.poster is None:
            self.poster = frame.to_image()
        self.frames += 1
        self.last_pts = max(self.last_pts, frame.pts or 0)
        for packet in self.video.encode(frame):
            self.output.mux(packet)

    def add_audio(self, frame: Any) -> None:
        assert self.audio is not None
        frame.pts = None
        for resampled in self.resampler.resample(frame):
            for packet in self.audio.encode(resampled):
                self.output.mux(packet)

    def finish(self) -> None:
        for packet in self.video.encode(None):
            self.output.mux(packet)
        if self.audio is not None:
            for resampled in self.resampler.resample(None):
                for packet in self.audio.encode(resampled):
                    self.output.mux(packet)
            for packet in self.audio.encode(None):
                self.output.mux(packet)
        self.output.close()


def _filters(stream: Any, rotation: int, width: int, height: int) -> Any:
    """buffer -> (rotate upright) -> scale -> yuv420p -> sink."""
    graph = av.filter.Graph()
    nodes = [graph.add_buffer(template=stream)]
    turn = (-rotation) % 360  # FFmpeg's autorotate: the display matrix angle, clockwise
    if turn == 90:
        nodes.append(graph.add("transpose", "clock"))
    elif turn == 270:
        nodes.append(graph.add("transpose", "cclock"))
    elif turn == 180:
        nodes += [graph.add("hflip"), graph.add("vflip")]
    nodes.append(graph.add("scale", f"{width}:{height}:flags=bicubic"))
    nodes.append(graph.add("format", "yuv420p"))
    nodes.append(graph.add("buffersink"))
    for a, b in itertools.pairwise(nodes):
        a.link_to(b)
    graph.configure()
    return graph


def _pull(graph: Any) -> Iterator[Any]:
    while True:
        try:
            yield graph.pull()
        except (BlockingIOError, EOFError):
            return
        except av.FFmpegError as error:  # EAGAIN / EOF on some PyAV versions
            if getattr(error, "errno", None) in (11, 35, 541478725):
                return
            raise


def _finish(
    encoder: _Encoder, kind: str, out_dir: Path, limits: Limits, duration: float, rate: Fraction
) -> Processed:
    if encoder.poster is None:
        raise MediaRejected("Video is corrupt (no frame could be decoded)")
    encoder.finish()
    original = describe(encoder.path, "video/mp4", "mp4", encoder.video.width, encoder.video.height)
    poster = encoder.poster
    poster.thumbnail((limits.preview_max_edge, limits.preview_max_edge), Image.Resampling.LANCZOS)
    preview = save_still(poster, out_dir / "small", quality=80)
    bitrate = int(original.size * 8 / duration) if duration > 0 else None
    audio: dict[str, object] = {}
    if encoder.audio is not None:
        audio = {
            "audio_encode": "aac (LC)",
            "audio_bitrate": f"{AUDIO_RATE} Hz",
            "audio_channels": "stereo",
        }
    return Processed(
        kind,
        original,
        preview,
        blurhash.encode(poster),
        duration=round(duration, 3),
        frame_rate=f"{rate.numerator}/{rate.denominator}",
        bitrate=bitrate,
        audio=audio,
    )


def transcode_video(path: Path, content_type: str, out_dir: Path, limits: Limits) -> Processed:
    container = _open_input(path, content_type)
    with container:
        if not container.streams.video:
            raise MediaRejected("File has no video track")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        audio_in = container.streams.audio[0] if container.streams.audio else None
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > limits.video_max_pixels or width < 1 or height < 1:
            raise MediaRejected(f"Video is too large ({width}x{height})")
        rate = stream.average_rate or stream.guessed_rate or Fraction(30)
        rate = min(Fraction(rate), Fraction(MAX_FPS))
        time_base = stream.time_base or Fraction(1, 90_000)
        encoder: _Encoder | None = None
        graph = None
        min_gap = 1 / MAX_FPS - 1e-4
        last_kept = -1.0
        seconds = 0.0
        streams = [stream, audio_in] if audio_in is not None else [stream]
        try:
            for packet in container.demux(*streams):
                for frame in packet.decode():
                    if packet.stream is audio_in:
                        if encoder is not None:
                            encoder.add_audio(frame)
                        continue
                    if frame.pts is None:
                        continue
                    at = float(frame.pts * time_base)
                    if at > limits.video_max_seconds + 0.5:
                        raise MediaRejected(
                            f"Video is too long (the limit is {limits.video_max_seconds:.0f} s)"
                        )
                    if at - last_kept < min_gap:  # cap the frame rate by dropping frames
                        continue
                    last_kept, seconds = at, max(seconds, at)
                    if graph is None:
                        turn = (-(getattr(frame, "rotation", 0) or 0)) % 360
                        w, h = (height, width) if turn in (90, 270) else (width, height)
                        out_w, out_h = fit(w, h, limits.video_max_edge, even=True)
                        graph = _filters(stream, getattr(frame, "rotation", 0) or 0, out_w, out_h)
                        encoder = _Encoder(
                            out_dir / "original.mp4",
                            out_w,
                            out_h,
                            time_base,
                            rate,
                            limits,
                            audio_in is not None,
                        )
                    assert encoder is not None
                    graph.push(frame)
                    for filtered in _pull(graph):
                        encoder.add_video(filtered)
        except MediaRejected:
            raise
        except (av.FFmpegError, ValueError, OSError) as error:
            raise MediaRejected(f"Video is corrupt ({error})") from None
        if encoder is None:
            raise MediaRejected("Video is corrupt (no frame could be decoded)")
        duration = _duration(container, stream) or seconds
        return _finish(
            encoder, "video", out_dir, limits, min(duration, seconds + 1 / float(rate)), rate
        )


def transcode_animation(path: Path, out_dir: Path, limits: Limits) -> Processed:
    """An animated GIF, PNG or WebP becomes a silent looping MP4 (Mastodon's `gifv`): far
    smaller than the GIF, and every client plays it. Pillow decodes the frames (it gets GIF
    disposal right for every encoder out there), libx264 encodes them."""
    from chirp.media.images import _open

    image = _open(path, limits)
    with image:
        width, height = fit(image.width, image.height, limits.video_max_edge, even=True)
        time_base = Fraction(1, 1000)
        encoder = _Encoder(
            out_dir / "original.mp4", width, height, time_base, Fraction(MAX_FPS), limits, False
        )
        pts = 0
        try:
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                frame_image = image.convert("RGBA")
                flat = Image.new("RGB", frame_image.size, (255, 255, 255))
                flat.paste(frame_image, mask=frame_image.getchannel("A"))
                if flat.size != (width, height):
                    flat = flat.resize((width, height), Image.Resampling.BICUBIC)
                still = av.VideoFrame.from_image(flat)  # type: ignore[no-untyped-call]
                frame = still.reformat(format="yuv420p")
                frame.pts = pts
                frame.time_base = time_base
                encoder.add_video(frame)
                delay = int(image.info.get("duration") or DEFAULT_GIF_FRAME_MS)
                pts += delay if delay >= MIN_GIF_FRAME_MS else DEFAULT_GIF_FRAME_MS
                if pts / 1000 > limits.video_max_seconds:
                    raise MediaRejected(
                        f"Animation is too long (the limit is {limits.video_max_seconds:.0f} s)"
                    )
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise MediaRejected(f"Animation is corrupt or truncated ({error})") from None
        frames = max(1, encoder.frames)
        rate = Fraction(frames * 1000, max(pts, 1)).limit_denominator(1000)
        return _finish(encoder, "gifv", out_dir, limits, pts / 1000, rate)
