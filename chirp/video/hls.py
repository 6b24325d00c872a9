"""HLS playlists the relay writes itself, so sequence numbers and discontinuities survive a
publisher reconnecting (a new ffmpeg process starts counting from zero).

The rules followed (RFC 8216, and Apple's HLS authoring specification where it is stricter) are
listed in docs/live-video.md, with the checker that tests them (`tests/video/hls_checker.py`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chirp.video.ladder import CODECS, Rung

# Floating-point EXTINF durations need version 3 (RFC 8216 §7); nothing we write needs more.
VERSION = 3


@dataclass(frozen=True, slots=True)
class Segment:
    uri: str  # relative to the playlist: `<run>-00001.ts`
    duration: float
    discontinuity: bool  # first segment after a publisher reconnect
    size: int = 0  # bytes, as stored (container and audio included)


@dataclass(frozen=True, slots=True)
class Bitrates:
    """What a rung's segments measured, in bits per second (RFC 8216 §4.3.4.2)."""

    average: int  # AVERAGE-BANDWIDTH: all the bytes over all the seconds
    peak: int  # BANDWIDTH: the peak segment bit rate


def rounded(duration: float) -> int:
    """To the nearest integer, halves up (RFC 8216 §4.3.3.1 compares EXTINF so rounded)."""
    return math.floor(duration + 0.5)


def target_duration(segments: Sequence[Segment], configured: float) -> int:
    """EXT-X-TARGETDURATION: the longest segment rounded to the nearest integer (not up: a
    29.97 fps stream's 2.002 s segments keep a target of 2), and never below the configured
    segment length. Taken over every segment of the stream, so it never shrinks as the live
    window slides."""
    return max([rounded(configured), *(rounded(s.duration) for s in segments)])


def measure(segments: Sequence[Segment], target: int) -> Bitrates | None:
    """The average bit rate, and the peak segment bit rate: the highest bit rate of any run of
    consecutive segments lasting between 0.5 and 1.5 target durations (RFC 8216 §4.3.4.2, the
    window Apple's authoring specification measures over). None before any segment."""
    sized = [s for s in segments if s.size > 0 and s.duration > 0]
    if not sized:
        return None
    total_seconds = sum(s.duration for s in sized)
    average = sum(s.size for s in sized) * 8 / total_seconds
    peak = 0.0
    for start in range(len(sized)):
        size, seconds = 0, 0.0
        for segment in sized[start:]:
            size, seconds = size + segment.size, seconds + segment.duration
            if seconds > 1.5 * target:
                break
            if seconds >= 0.5 * target:
                peak = max(peak, size * 8 / seconds)
    if peak == 0.0:  # no run fits the window (a stream shorter than half a target)
        peak = max(s.size * 8 / s.duration for s in sized)
    return Bitrates(average=math.ceil(average), peak=math.ceil(max(peak, average)))


def media_playlist(
    segments: list[Segment], *, window: int | None, target: float, ended: bool
) -> str:
    """A live playlist over the last `window` segments, or (window None) the whole stream."""
    start = 0 if window is None else max(0, len(segments) - window)
    shown = segments[start:]
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{VERSION}",
        f"#EXT-X-TARGETDURATION:{target_duration(segments, target)}",
        f"#EXT-X-MEDIA-SEQUENCE:{start}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{sum(s.discontinuity for s in segments[:start])}",
    ]
    if window is None:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD" if ended else "#EXT-X-PLAYLIST-TYPE:EVENT")
    lines.append("#EXT-X-INDEPENDENT-SEGMENTS")
    for segment in shown:
        if segment.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXTINF:{segment.duration:.3f},")
        lines.append(segment.uri)
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def master_playlist(
    rungs: Sequence[Rung],
    measured: Mapping[str, Bitrates] | None = None,
    frame_rate: float | None = None,
    codecs: Mapping[str, str] | None = None,
) -> str:
    """One variant per rung: its measured bit rates where `measured` has them (by rung name),
    the ladder's estimates otherwise; FRAME-RATE once the source's rate is known; CODECS as
    probed (`codecs`, a passthrough rung's) or our encoder's."""
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{VERSION}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in rungs:
        rates = (measured or {}).get(rung.name) or Bitrates(rung.average_bandwidth, rung.bandwidth)
        attributes = [
            f"BANDWIDTH={rates.peak}",
            f"AVERAGE-BANDWIDTH={rates.average}",
            f"RESOLUTION={rung.width}x{rung.height}",
            f'CODECS="{(codecs or {}).get(rung.name, CODECS)}"',
        ]
        if frame_rate:
            attributes.append(f"FRAME-RATE={frame_rate:.3f}")
        lines.append(f"#EXT-X-STREAM-INF:{','.join(attributes)}")
        lines.append(f"{rung.name}/index.m3u8")
    return "\n".join(lines) + "\n"


def parse_ffmpeg_playlist(text: str) -> list[tuple[str, float]]:
    """(file name, duration) of each finished segment in a playlist ffmpeg's hls muxer wrote."""
    out: list[tuple[str, float]] = []
    duration: float | None = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            try:
                duration = float(line[8:].split(",", 1)[0])
            except ValueError:
                duration = None
        elif line and not line.startswith("#") and duration is not None:
            out.append((line, duration))
            duration = None
    return out
