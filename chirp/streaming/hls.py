"""HLS playlists the relay writes itself, so sequence numbers and discontinuities survive a
publisher reconnecting (a new ffmpeg process starts counting from zero)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from chirp.streaming.ladder import CODECS, Rung


@dataclass(frozen=True, slots=True)
class Segment:
    uri: str  # relative to the playlist: `<run>-00001.ts`
    duration: float
    discontinuity: bool  # first segment after a publisher reconnect


def media_playlist(
    segments: list[Segment], *, window: int | None, target: float, ended: bool
) -> str:
    """A live playlist over the last `window` segments, or (window None) the whole stream."""
    start = 0 if window is None else max(0, len(segments) - window)
    shown = segments[start:]
    longest = max([target, *(s.duration for s in shown)])
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{math.ceil(longest)}",
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


def master_playlist(rungs: tuple[Rung, ...]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in rungs:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={rung.bandwidth},"
            f"AVERAGE-BANDWIDTH={(rung.video_kbps + rung.audio_kbps) * 1000},"
            f'RESOLUTION={rung.width}x{rung.height},CODECS="{CODECS}"'
        )
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
