"""Low-Latency HLS (RFC 8216bis): the model of one rendition's low-latency playlist, its text,
and the fragmented-MP4 reading that cuts ffmpeg's CMAF output into partial segments.

ffmpeg writes each rung a second time (beside the MPEG-TS of regular HLS, through its `tee`
muxer, so nothing is encoded twice) as one fragmented MP4 stream on a pipe: `ftyp`+`moov` (the
initialization section, `EXT-X-MAP`), then a `moof`+`mdat` fragment at most every
`part_seconds` and at every keyframe. Each fragment is one partial segment (`EXT-X-PART`); a
fragment that starts with a keyframe opens a new parent segment, whose URI serves the
concatenation of its parts (fragments concatenate into a valid CMAF segment).

The rules these playlists follow, and the checker that tests them, are in docs/live-video.md.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from chirp.video.hls import target_duration

# EXT-X-SKIP needs protocol version 9 (RFC 8216bis §7); EXT-X-MAP and the rest need less.
VERSION = 9
INIT_TYPE = "video/mp4"
PART_TYPE = "video/iso.segment"
# Parts are listed for the parent segments of the last PARTS_KEPT_TARGETS target durations
# (RFC 8216bis §4.4.4.9 lets older ones go; a player joining needs only the recent ones).
PARTS_KEPT_TARGETS = 3
# PART-HOLD-BACK in part target durations: at least 2 (RFC 8216bis §4.4.3.8), 3 recommended.
HOLD_BACK_PARTS = 3.0
# CAN-SKIP-UNTIL in target durations: at least 6 (RFC 8216bis §4.4.3.8).
SKIP_TARGETS = 6


# -- fragmented MP4 ----------------------------------------------------------------------------


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[str, int, int]]:
    """(type, payload start, box end) of each box in data[start:end]."""
    end = len(data) if end is None else end
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise ValueError(f"truncated {kind!r} box")
        yield kind.decode("latin-1"), offset + header, offset + size
        offset += size


def _child(data: bytes, start: int, end: int, kind: str) -> tuple[int, int] | None:
    for found, payload, stop in _boxes(data, start, end):
        if found == kind:
            return payload, stop
    return None


@dataclass(frozen=True, slots=True)
class InitInfo:
    video_track: int
    timescale: int
    default_duration: int  # `trex`'s, used when a fragment gives none


def read_init(data: bytes) -> InitInfo:
    """The video track's id and timescale from an initialization section (`ftyp` + `moov`)."""
    moov = _child(data, 0, len(data), "moov")
    if moov is None:
        raise ValueError("no moov box")
    tracks: dict[int, tuple[str, int]] = {}
    defaults: dict[int, int] = {}
    for kind, start, stop in _boxes(data, *moov):
        if kind == "trak":
            tkhd = _child(data, start, stop, "tkhd")
            mdia = _child(data, start, stop, "mdia")
            if tkhd is None or mdia is None:
                continue
            version = data[tkhd[0]]
            track_id = struct.unpack_from(">I", data, tkhd[0] + (20 if version else 12))[0]
            mdhd, hdlr = _child(data, *mdia, "mdhd"), _child(data, *mdia, "hdlr")
            if mdhd is None or hdlr is None:
                continue
            version = data[mdhd[0]]
            timescale = struct.unpack_from(">I", data, mdhd[0] + (20 if version else 12))[0]
            handler = data[hdlr[0] + 8 : hdlr[0] + 12].decode("latin-1")
            tracks[track_id] = (handler, timescale)
        elif kind == "mvex":
            for sub, s_start, _ in _boxes(data, start, stop):
                if sub == "trex":
                    track_id, _, duration = struct.unpack_from(">III", data, s_start + 4)
                    defaults[track_id] = duration
    for track_id, (handler, timescale) in tracks.items():
        if handler == "vide":
            return InitInfo(track_id, timescale, defaults.get(track_id, 0))
    raise ValueError("no video track")


@dataclass(frozen=True, slots=True)
class Fragment:
    duration: float  # seconds of video
    independent: bool  # starts with a sync sample (a keyframe)
    frame: float  # the median duration of its video frames, seconds


def read_fragment(data: bytes, init: InitInfo) -> Fragment:
    """What a `moof`+`mdat` fragment holds of the video track: its duration, whether it starts
    with a keyframe (ISO/IEC 14496-12 §8.8: sample_is_non_sync_sample clear)."""
    moof = _child(data, 0, len(data), "moof")
    if moof is None:
        raise ValueError("no moof box")
    for kind, start, stop in _boxes(data, *moof):
        if kind != "traf":
            continue
        tfhd = _child(data, start, stop, "tfhd")
        if tfhd is None:
            continue
        flags = int.from_bytes(data[tfhd[0] + 1 : tfhd[0] + 4], "big")
        (track_id,) = struct.unpack_from(">I", data, tfhd[0] + 4)
        if track_id != init.video_track:
            continue
        at = tfhd[0] + 8 + (8 if flags & 0x01 else 0) + (4 if flags & 0x02 else 0)
        default_duration, default_flags = init.default_duration, 0
        if flags & 0x08:
            (default_duration,) = struct.unpack_from(">I", data, at)
            at += 4
        if flags & 0x10:
            at += 4
        if flags & 0x20:
            (default_flags,) = struct.unpack_from(">I", data, at)
        durations: list[int] = []
        first_flags = None
        for sub, s_start, _ in _boxes(data, start, stop):
            if sub != "trun":
                continue
            run_flags = int.from_bytes(data[s_start + 1 : s_start + 4], "big")
            (count,) = struct.unpack_from(">I", data, s_start + 4)
            at = s_start + 8 + (4 if run_flags & 0x01 else 0)
            if run_flags & 0x04:
                (given,) = struct.unpack_from(">I", data, at)
                first_flags = given if first_flags is None else first_flags
                at += 4
            per_sample = [0x100, 0x200, 0x400, 0x800]
            stride = 4 * sum(1 for bit in per_sample if run_flags & bit)
            for index in range(count):
                duration = default_duration
                if run_flags & 0x100:
                    (duration,) = struct.unpack_from(">I", data, at + index * stride)
                if index == 0 and first_flags is None and run_flags & 0x400:
                    offset = at + index * stride + (4 if run_flags & 0x100 else 0)
                    offset += 4 if run_flags & 0x200 else 0
                    (first_flags,) = struct.unpack_from(">I", data, offset)
                durations.append(duration)
        sample_flags = default_flags if first_flags is None else first_flags
        if not durations:
            raise ValueError("no video samples in the fragment")
        return Fragment(
            duration=sum(durations) / init.timescale,
            independent=not sample_flags & 0x00010000,
            frame=sorted(durations)[len(durations) // 2] / init.timescale,
        )
    raise ValueError("no video in the fragment")


class BoxReader:
    """Splits a byte stream into top-level boxes as they complete."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        self._buffer += data
        out = []
        while len(self._buffer) >= 8:
            size, kind = struct.unpack_from(">I4s", self._buffer, 0)
            if size == 1:
                if len(self._buffer) < 16:
                    break
                (size,) = struct.unpack_from(">Q", self._buffer, 8)
            if size < 8:
                raise ValueError("bad box size")
            if len(self._buffer) < size:
                break
            out.append((kind.decode("latin-1"), bytes(self._buffer[:size])))
            del self._buffer[:size]
        return out


# -- the playlist model --------------------------------------------------------------------------


@dataclass(slots=True)
class Part:
    uri: str
    duration: float
    independent: bool

    def to_json(self) -> list[Any]:
        return [self.uri, round(self.duration, 6), self.independent]

    @classmethod
    def from_json(cls, raw: list[Any]) -> Part:
        return cls(str(raw[0]), float(raw[1]), bool(raw[2]))


@dataclass(slots=True)
class LLSegment:
    msn: int
    uri: str
    map_uri: str  # the initialization section of its run (EXT-X-MAP)
    discontinuity: bool
    parts: list[Part] = field(default_factory=list)
    complete: bool = False

    @property
    def duration(self) -> float:
        return sum(part.duration for part in self.parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "msn": self.msn,
            "uri": self.uri,
            "map": self.map_uri,
            "disc": self.discontinuity,
            "parts": [part.to_json() for part in self.parts],
            "complete": self.complete,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> LLSegment:
        return cls(
            int(raw["msn"]),
            str(raw["uri"]),
            str(raw["map"]),
            bool(raw["disc"]),
            [Part.from_json(p) for p in raw["parts"]],
            bool(raw["complete"]),
        )


@dataclass(slots=True)
class Rendition:
    """One rung's low-latency playlist as the relay keeps it: the last `window` complete
    segments and the one being written. Handed to every node (the bus) after each part."""

    stream_id: int
    rung: str
    prefix: str  # the blob folder of the stream (a followers-only stream's hidden one)
    private: bool
    configured_target: float  # the configured segment duration
    part_target: float = 0.0  # fixed by the first fragment (see `part_target_for`)
    segments: list[LLSegment] = field(default_factory=list)
    discontinuity_sequence: int = 0  # of the first segment kept
    longest: float = 0.0  # the longest segment so far, whole stream: the target never shrinks
    ended: bool = False
    version: int = 0  # grows with every change: a node keeps the newest it heard

    @property
    def target(self) -> int:
        return max(target_duration([], self.configured_target), math.floor(self.longest + 0.5))

    @property
    def last(self) -> tuple[int, int] | None:
        """(msn, part index) of the newest part, None before any."""
        for segment in reversed(self.segments):
            if segment.parts:
                return segment.msn, len(segment.parts) - 1
        return None

    def has(self, msn: int, part: int | None) -> bool:
        """Whether the playlist holds part `part` of segment `msn` (the whole segment when
        `part` is None), or something after it."""
        for segment in reversed(self.segments):
            if segment.msn > msn and segment.parts:
                return True
            if segment.msn == msn:
                if part is None:
                    return segment.complete
                return len(segment.parts) > part or segment.complete
        return False

    def find(self, name: str) -> tuple[LLSegment, Part | None] | None:
        """The segment or part whose URI is `name`."""
        for segment in self.segments:
            if segment.uri == name:
                return segment, None
            for part in segment.parts:
                if part.uri == name:
                    return segment, part
        return None

    def next_part_uri(self) -> str | None:
        """The part the relay writes next (EXT-X-PRELOAD-HINT), None once ended. A segment
        that has its configured duration ends at the next keyframe, forced there: the next
        part is then the first of the next segment (a source whose keyframes come later,
        copied as it is, makes the hint wrong now and then; the request then waits for it)."""
        if self.ended or not self.segments:
            return None
        current = self.segments[-1]
        full = current.duration >= self.configured_target - self.part_target / 2
        if current.complete or (current.parts and full):
            return part_uri(_run_of(current.uri), current.msn + 1, 0)
        return part_uri(_run_of(current.uri), current.msn, len(current.parts))

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.stream_id,
            "rung": self.rung,
            "prefix": self.prefix,
            "private": self.private,
            "configured": self.configured_target,
            "part_target": self.part_target,
            "segments": [s.to_json() for s in self.segments],
            "dseq": self.discontinuity_sequence,
            "longest": self.longest,
            "ended": self.ended,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Rendition:
        return cls(
            stream_id=int(raw["stream"]),
            rung=str(raw["rung"]),
            prefix=str(raw["prefix"]),
            private=bool(raw["private"]),
            configured_target=float(raw["configured"]),
            part_target=float(raw["part_target"]),
            segments=[LLSegment.from_json(s) for s in raw["segments"]],
            discontinuity_sequence=int(raw["dseq"]),
            longest=float(raw["longest"]),
            ended=bool(raw["ended"]),
            version=int(raw["version"]),
        )


def part_uri(run: int, msn: int, index: int) -> str:
    return f"ll{run:03d}-{msn:05d}.{index}.m4s"


def segment_uri(run: int, msn: int) -> str:
    return f"ll{run:03d}-{msn:05d}.m4s"


def init_uri(run: int) -> str:
    return f"ll{run:03d}-init.mp4"


def _run_of(uri: str) -> int:
    return int(uri[2:5])


def part_target_for(fragment_seconds: float, frame_seconds: float) -> float:
    """PART-TARGET: ffmpeg closes a fragment at the first frame that reaches `fragment_seconds`,
    so a part lasts up to a frame longer; rounded up to the millisecond."""
    return math.ceil((fragment_seconds + frame_seconds) * 1000 - 1e-6) / 1000


def _attr_duration(seconds: float) -> str:
    return f"{seconds:.5f}".rstrip("0").rstrip(".")


def media_playlist(rendition: Rendition, others: list[Rendition], *, skip: bool, query: str) -> str:
    """The low-latency media playlist; `skip`: a delta update (`_HLS_skip=YES`) that replaces
    the segments older than CAN-SKIP-UNTIL with EXT-X-SKIP. `query` (`?expires=…`, or "") is
    appended to every URI (a followers-only stream's signature); `others`: the sibling
    renditions, reported with EXT-X-RENDITION-REPORT."""
    target = rendition.target
    segments = rendition.segments
    first = segments[0].msn if segments else 0
    skip_until = SKIP_TARGETS * target
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{VERSION}",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,"
        f"PART-HOLD-BACK={_attr_duration(HOLD_BACK_PARTS * rendition.part_target)},"
        f"CAN-SKIP-UNTIL={_attr_duration(skip_until)}",
        f"#EXT-X-PART-INF:PART-TARGET={_attr_duration(rendition.part_target)}",
        f"#EXT-X-MEDIA-SEQUENCE:{first}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{rendition.discontinuity_sequence}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    # Skippable: the complete segments that start more than CAN-SKIP-UNTIL before the end.
    skipped = 0
    if skip:
        total = sum(s.duration for s in segments)
        start = 0.0
        for segment in segments:
            if total - start <= skip_until or not segment.complete:
                break
            start += segment.duration
            skipped += 1
        # A skipped discontinuity would lose its tag; the skip stops before it.
        for index in range(skipped):
            if segments[index].discontinuity:
                skipped = index
                break
    if skipped:
        lines.append(f"#EXT-X-SKIP:SKIPPED-SEGMENTS={skipped}")
    recent_from = sum(s.duration for s in segments) - PARTS_KEPT_TARGETS * target
    elapsed = 0.0
    current_map: str | None = None  # the first segment shown always names its map
    for index, segment in enumerate(segments):
        elapsed += segment.duration
        if index < skipped:
            continue
        if segment.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        if segment.map_uri != current_map:
            lines.append(f'#EXT-X-MAP:URI="{segment.map_uri}{query}"')
            current_map = segment.map_uri
        if elapsed > recent_from or not segment.complete:
            for part in segment.parts:
                independent = ",INDEPENDENT=YES" if part.independent else ""
                lines.append(
                    f"#EXT-X-PART:DURATION={_attr_duration(part.duration)},"
                    f'URI="{part.uri}{query}"{independent}'
                )
        if segment.complete:
            lines.append(f"#EXTINF:{segment.duration:.5f},")
            lines.append(f"{segment.uri}{query}")
    hint = rendition.next_part_uri()
    if hint is not None:
        lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{hint}{query}"')
    for other in others:
        last = other.last
        if other.rung == rendition.rung or last is None:
            continue
        last_msn, last_part = last
        lines.append(
            f'#EXT-X-RENDITION-REPORT:URI="../{other.rung}/index.m3u8{query}",'
            f"LAST-MSN={last_msn},LAST-PART={last_part}"
        )
    if rendition.ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
