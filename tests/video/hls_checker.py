"""Chirp's own HLS checker: the playlist rules the relay relies on, checked on what it wrote.

Apple's `mediastreamvalidator` (macOS only, behind a developer login) is not available here, so
the rules it would apply to our playlists are written out below, each with the RFC 8216 or
Apple authoring-specification clause it comes from; docs/live-video.md lists them too. The
checker is written apart from `chirp.video.hls` on purpose (it parses text, not our data
classes), so the relay is tested against the rules, not against itself.

Rules (`Problem.rule` names them):
- `header`: a playlist starts with `#EXTM3U` (RFC 8216 §4.3.1.1).
- `version`: one `EXT-X-VERSION`, at least what the features used need (§7: floating-point
  EXTINF 3, BYTERANGE 4, EXT-X-MAP 6), and the same in every playlist of the presentation, equal
  to the highest any of them needs (Apple: the lowest version that supports the features).
- `target`: every EXTINF rounded to the nearest integer is at most EXT-X-TARGETDURATION
  (§4.3.3.1), and the target never changes between reloads of a playlist (§6.2.1).
- `media-sequence`: across reloads of a live playlist, EXT-X-MEDIA-SEQUENCE never decreases,
  and in every version (the replay too) a media sequence number keeps its segment: the same URI,
  duration and discontinuity sequence number (§6.2.1, §6.2.2, §6.3.2).
- `discontinuity-sequence`: across reloads of a live playlist, EXT-X-DISCONTINUITY-SEQUENCE
  grows by exactly the EXT-X-DISCONTINUITY tags of the segments that left it (§4.3.3.3, §6.2.1).
- `endlist`: the last playlist of a finished stream ends with EXT-X-ENDLIST, is of type VOD and
  lists the stream from its first segment; a playlist with ENDLIST never changes again (§6.2.1).
  This is the one place the relay departs from §6.2.1, on purpose: the live window's URL becomes
  the replay, so its last version puts back the segments that had slid out (media sequence 0
  again). Each segment keeps its number, so a player at the live edge keeps its place.
- `segments`: segment URIs are unique in a playlist and every one is stored (non-empty).
- `attributes`: every variant of the master has BANDWIDTH, AVERAGE-BANDWIDTH, CODECS, RESOLUTION
  and FRAME-RATE (§4.3.4.2; Apple 8.x requires them all for video).
- `bandwidth`: BANDWIDTH within 10% of the variant's measured peak segment bit rate (the highest
  bit rate of any run of consecutive segments lasting 0.5 to 1.5 target durations, §4.3.4.2),
  AVERAGE-BANDWIDTH within 10% of its measured average (Apple 9.x: the 10% tolerance).
- `media`: each segment's video, decoded (ffprobe), lasts its EXTINF within 50 ms (§4.3.2.1:
  EXTINF is the segment's duration) and starts with a keyframe (EXT-X-INDEPENDENT-SEGMENTS,
  §4.3.5.1, which our playlists declare).

Low-Latency HLS rules (draft-pantos-hls-rfc8216bis, "8216bis" below; `check_ll_*`):
- `ll-version`: EXT-X-VERSION at least 6 with EXT-X-MAP and at least 9 with EXT-X-SKIP (§7).
- `ll-server-control`: EXT-X-SERVER-CONTROL has CAN-BLOCK-RELOAD=YES (the origin blocks),
  PART-HOLD-BACK at least twice PART-TARGET (§4.4.3.8; we also hold it to Apple's three
  times at most plus a frame), CAN-SKIP-UNTIL at least six target durations (§4.4.3.8).
- `ll-part-inf`: a playlist with EXT-X-PART has EXT-X-PART-INF (§4.4.3.7), and PART-TARGET
  never changes between reloads.
- `ll-part-duration`: every part lasts at most PART-TARGET, and at least 85% of it unless it is
  INDEPENDENT=YES or the last part of its parent segment (§4.4.4.9).
- `ll-parts`: a complete segment's parts add up to its EXTINF (1 ms per part of rounding), its
  first part is INDEPENDENT=YES (EXT-X-INDEPENDENT-SEGMENTS), part URIs are unique, and across
  reloads a part keeps its URI and duration (§6.2.2: parts are immutable).
- `ll-preload-hint`: at most one EXT-X-PRELOAD-HINT of TYPE=PART, naming a part not listed yet,
  and none once EXT-X-ENDLIST is there (§4.4.5.3).
- `ll-rendition-report`: one EXT-X-RENDITION-REPORT per other variant, its LAST-MSN and
  LAST-PART naming a part that variant lists at that moment or lists later (§4.4.5.4).
- `ll-map`: an EXT-X-MAP before the first segment or part listed (§4.4.4.5, fMP4 §3.3).
- `ll-skip`: a delta update (`_HLS_skip=YES`) skips only segments more than CAN-SKIP-UNTIL from
  its end, SKIPPED-SEGMENTS equals the segments left out, and what follows is the full
  playlist's own tail (§4.4.5.2, §6.2.5.1); a playlist not asked for a delta has no EXT-X-SKIP.
- `ll-blocking`: a request with `_HLS_msn`=M and `_HLS_part`=P is answered with a playlist that
  holds part P of segment M or a later segment (§6.2.5.2).
- `media` (for parts): the init section plus a whole low-latency segment decodes to its EXTINF
  within 50 ms, starting with a keyframe.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TOLERANCE = 0.10
DURATION_TOLERANCE = 0.05
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


@dataclass(frozen=True, slots=True)
class Problem:
    rule: str
    where: str
    detail: str


@dataclass(slots=True)
class MediaPlaylist:
    version: int | None = None
    versions_declared: int = 0
    target: int | None = None
    media_sequence: int = 0
    discontinuity_sequence: int = 0
    playlist_type: str | None = None
    ended: bool = False
    # (uri, duration, discontinuity before it)
    segments: list[tuple[str, float, bool]] = field(default_factory=list)
    needs_version: int = 1
    header: bool = False


def parse_media(text: str) -> MediaPlaylist:
    out = MediaPlaylist(header=text.startswith("#EXTM3U"))
    duration: float | None = None
    discontinuity = False
    for line in (raw.strip() for raw in text.splitlines()):
        tag, _, value = line.partition(":")
        if tag == "#EXT-X-VERSION":
            out.version, out.versions_declared = int(value), out.versions_declared + 1
        elif tag == "#EXT-X-TARGETDURATION":
            out.target = int(value)
        elif tag == "#EXT-X-MEDIA-SEQUENCE":
            out.media_sequence = int(value)
        elif tag == "#EXT-X-DISCONTINUITY-SEQUENCE":
            out.discontinuity_sequence = int(value)
        elif tag == "#EXT-X-PLAYLIST-TYPE":
            out.playlist_type = value
        elif tag == "#EXT-X-ENDLIST":
            out.ended = True
        elif tag == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif tag == "#EXTINF":
            number = value.split(",", 1)[0]
            duration = float(number)
            if not number.isdigit():
                out.needs_version = max(out.needs_version, 3)
        elif tag == "#EXT-X-BYTERANGE":
            out.needs_version = max(out.needs_version, 4)
        elif tag == "#EXT-X-MAP":
            out.needs_version = max(out.needs_version, 6)
        elif line and not line.startswith("#") and duration is not None:
            out.segments.append((line, duration, discontinuity))
            duration, discontinuity = None, False
    return out


def parse_master(text: str) -> list[tuple[dict[str, str], str]]:
    """(attributes, uri) of each EXT-X-STREAM-INF."""
    variants: list[tuple[dict[str, str], str]] = []
    attributes: dict[str, str] | None = None
    for line in (raw.strip() for raw in text.splitlines()):
        if line.startswith("#EXT-X-STREAM-INF:"):
            body = line.split(":", 1)[1]
            attributes = {k: v.strip('"') for k, v in _ATTRIBUTE.findall(body)}
        elif line and not line.startswith("#") and attributes is not None:
            variants.append((attributes, line))
            attributes = None
    return variants


def measured_bitrates(
    segments: Sequence[tuple[str, float, bool]], sizes: Mapping[str, int], target: int
) -> tuple[float, float]:
    """(average, peak) bits per second of a finished playlist's segments."""
    durations = [d for _, d, _ in segments]
    bits = [sizes[uri] * 8 for uri, _, _ in segments]
    average = sum(bits) / sum(durations)
    peak = 0.0
    for first in range(len(segments)):
        for last in range(first, len(segments)):
            seconds = sum(durations[first : last + 1])
            if seconds > 1.5 * target:
                break
            if seconds >= 0.5 * target:
                peak = max(peak, sum(bits[first : last + 1]) / seconds)
    return average, peak


def check_media(name: str, text: str, sizes: Mapping[str, int]) -> list[Problem]:
    """The rules one playlist obeys on its own."""
    playlist = parse_media(text)
    problems = []
    if not playlist.header:
        problems.append(Problem("header", name, "does not start with #EXTM3U"))
    if playlist.versions_declared != 1 or (playlist.version or 1) < playlist.needs_version:
        problems.append(
            Problem(
                "version",
                name,
                f"declared {playlist.version} ({playlist.versions_declared} times), "
                f"features need {playlist.needs_version}",
            )
        )
    if playlist.target is None:
        problems.append(Problem("target", name, "no EXT-X-TARGETDURATION"))
    else:
        for uri, duration, _ in playlist.segments:
            if math.floor(duration + 0.5) > playlist.target:
                problems.append(
                    Problem("target", name, f"{uri} lasts {duration} > {playlist.target}")
                )
    uris = [uri for uri, _, _ in playlist.segments]
    if len(set(uris)) != len(uris):
        problems.append(Problem("segments", name, "a segment is listed twice"))
    for uri in uris:
        if sizes.get(uri, 0) <= 0:
            problems.append(Problem("segments", name, f"{uri} is not stored"))
    return problems


def check_reloads(name: str, texts: Sequence[str]) -> list[Problem]:
    """The rules between successive versions of one playlist, as players reloading it saw them."""
    problems = []
    # media sequence number -> (uri, duration, discontinuity sequence number), as first seen
    seen: dict[int, tuple[str, float, int]] = {}
    previous: MediaPlaylist | None = None
    for index, text in enumerate(texts):
        playlist = parse_media(text)
        where = f"{name} (version {index + 1} of {len(texts)})"
        discontinuities = playlist.discontinuity_sequence
        for offset, (uri, duration, discontinuity) in enumerate(playlist.segments):
            discontinuities += discontinuity
            number, identity = playlist.media_sequence + offset, (uri, duration, discontinuities)
            if seen.setdefault(number, identity) != identity:
                problems.append(
                    Problem("media-sequence", where, f"{number} was {seen[number]}, now {identity}")
                )
        if previous is not None:
            if previous.ended and text != texts[index - 1]:
                problems.append(Problem("endlist", where, "changed after EXT-X-ENDLIST"))
            if playlist.target != previous.target:
                problems.append(
                    Problem("target", where, f"changed {previous.target} -> {playlist.target}")
                )
            # The one exception (see `check_ended`): the ended playlist is the whole replay.
            replay = playlist.ended and not previous.ended
            if not replay:
                removed = playlist.media_sequence - previous.media_sequence
                left = previous.segments[: max(0, removed)]
                expected = previous.discontinuity_sequence + sum(d for _, _, d in left)
                if removed < 0:
                    problems.append(Problem("media-sequence", where, "went down"))
                elif playlist.discontinuity_sequence != expected:
                    problems.append(
                        Problem(
                            "discontinuity-sequence",
                            where,
                            f"{playlist.discontinuity_sequence}, expected {expected}",
                        )
                    )
        previous = playlist
    return problems


def check_ended(name: str, text: str) -> list[Problem]:
    playlist = parse_media(text)
    problems = []
    last_tag = [line for line in text.splitlines() if line.startswith("#")][-1]
    if not playlist.ended or last_tag != "#EXT-X-ENDLIST":
        problems.append(Problem("endlist", name, "a finished stream's playlist lacks ENDLIST"))
    if playlist.playlist_type != "VOD":
        problems.append(Problem("endlist", name, f"type {playlist.playlist_type}, not VOD"))
    if playlist.media_sequence != 0 or playlist.discontinuity_sequence != 0:
        problems.append(Problem("endlist", name, "the replay does not start at the beginning"))
    return problems


def check_master(
    master: str, media: Mapping[str, str], sizes: Mapping[str, Mapping[str, int]]
) -> list[Problem]:
    """The master against its (finished) media playlists; `media` and `sizes` by variant URI."""
    problems = []
    if not master.startswith("#EXTM3U"):
        problems.append(Problem("header", "master", "does not start with #EXTM3U"))
    variants = parse_master(master)
    if not variants:
        problems.append(Problem("attributes", "master", "no variants"))
    versions = {uri: parse_media(text) for uri, text in media.items()}
    needed = max([p.needs_version for p in versions.values()] or [1])
    declared = {p.version for p in versions.values()} | {
        int(line.split(":")[1]) for line in master.splitlines() if line.startswith("#EXT-X-VERSION")
    }
    if declared != {needed}:
        problems.append(
            Problem("version", "presentation", f"declares {sorted(declared)}, needs {needed}")
        )
    for attributes, uri in variants:
        missing = {"BANDWIDTH", "AVERAGE-BANDWIDTH", "CODECS", "RESOLUTION", "FRAME-RATE"}
        missing -= set(attributes)
        if missing:
            problems.append(Problem("attributes", uri, f"missing {sorted(missing)}"))
            continue
        if not re.fullmatch(r"[0-9]+x[0-9]+", attributes["RESOLUTION"]):
            problems.append(Problem("attributes", uri, f"RESOLUTION={attributes['RESOLUTION']}"))
        if not re.fullmatch(r"[0-9]+\.[0-9]{3}", attributes["FRAME-RATE"]):
            problems.append(Problem("attributes", uri, f"FRAME-RATE={attributes['FRAME-RATE']}"))
        playlist = versions.get(uri)
        if playlist is None or not playlist.segments or playlist.target is None:
            problems.append(Problem("bandwidth", uri, "no finished playlist to measure"))
            continue
        average, peak = measured_bitrates(playlist.segments, sizes[uri], playlist.target)
        for attribute, measured in (("BANDWIDTH", peak), ("AVERAGE-BANDWIDTH", average)):
            declared_bps = int(attributes[attribute])
            if abs(declared_bps - measured) > TOLERANCE * measured:
                problems.append(
                    Problem(
                        "bandwidth", uri, f"{attribute}={declared_bps}, measured {measured:.0f}"
                    )
                )
    return problems


def probe_segment(ffprobe: str, path: Path) -> tuple[float, bool]:
    """(video duration in seconds, whether the first video frame is a keyframe)."""
    out = subprocess.run(
        [ffprobe, "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
         "-show_entries", "stream=duration:frame=key_frame", "-of", "json", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    info = json.loads(out.stdout)
    frames = info.get("frames") or [{}]
    return float(info["streams"][0]["duration"]), frames[0].get("key_frame") == 1


def check_media_segments(
    name: str, text: str, probed: Mapping[str, tuple[float, bool]]
) -> list[Problem]:
    """The segments against their playlist: `probed` maps each URI to `probe_segment`'s answer."""
    problems = []
    for uri, duration, _ in parse_media(text).segments:
        actual, keyframe_first = probed[uri]
        if abs(actual - duration) > DURATION_TOLERANCE:
            problems.append(Problem("media", name, f"{uri}: EXTINF {duration}, video {actual}"))
        if not keyframe_first:
            problems.append(Problem("media", name, f"{uri} does not start with a keyframe"))
    return problems


# -- Low-Latency HLS --------------------------------------------------------------------------

PART_SHORT = 0.85  # 8216bis §4.4.4.9


@dataclass(slots=True)
class LLPart:
    uri: str
    duration: float
    independent: bool


@dataclass(slots=True)
class LLSegment:
    msn: int
    parts: list[LLPart] = field(default_factory=list)
    uri: str | None = None  # None: still being written
    duration: float | None = None


@dataclass(slots=True)
class LLPlaylist:
    version: int = 0
    target: int = 0
    media_sequence: int = 0
    part_target: float | None = None
    server_control: dict[str, str] = field(default_factory=dict)
    skipped: int = 0
    maps_before_first: bool = False
    segments: list[LLSegment] = field(default_factory=list)
    hints: list[dict[str, str]] = field(default_factory=list)
    reports: list[dict[str, str]] = field(default_factory=list)
    ended: bool = False
    has_map: bool = False


def _attributes(value: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _ATTRIBUTE.findall(value)}


def parse_ll(text: str) -> LLPlaylist:
    out = LLPlaylist()
    current: LLSegment | None = None
    seen_map = False
    for line in (raw.strip() for raw in text.splitlines()):
        tag, _, value = line.partition(":")
        if tag == "#EXT-X-VERSION":
            out.version = int(value)
        elif tag == "#EXT-X-TARGETDURATION":
            out.target = int(value)
        elif tag == "#EXT-X-MEDIA-SEQUENCE":
            out.media_sequence = int(value)
        elif tag == "#EXT-X-PART-INF":
            out.part_target = float(_attributes(value)["PART-TARGET"])
        elif tag == "#EXT-X-SERVER-CONTROL":
            out.server_control = _attributes(value)
        elif tag == "#EXT-X-SKIP":
            out.skipped = int(_attributes(value)["SKIPPED-SEGMENTS"])
        elif tag == "#EXT-X-MAP":
            seen_map = out.has_map = True
        elif tag == "#EXT-X-PART":
            attributes = _attributes(value)
            if current is None:
                msn = out.media_sequence + out.skipped + len(out.segments)
                current = LLSegment(msn)
                if not out.segments:
                    out.maps_before_first = seen_map
            current.parts.append(
                LLPart(
                    attributes["URI"],
                    float(attributes["DURATION"]),
                    attributes.get("INDEPENDENT") == "YES",
                )
            )
        elif tag == "#EXTINF":
            if current is None:
                current = LLSegment(out.media_sequence + out.skipped + len(out.segments))
                if not out.segments:
                    out.maps_before_first = seen_map
            current.duration = float(value.split(",", 1)[0])
        elif tag == "#EXT-X-PRELOAD-HINT":
            out.hints.append(_attributes(value))
        elif tag == "#EXT-X-RENDITION-REPORT":
            out.reports.append(_attributes(value))
        elif tag == "#EXT-X-ENDLIST":
            out.ended = True
        elif line and not line.startswith("#") and current is not None:
            current.uri = line
            out.segments.append(current)
            current = None
    if current is not None:  # parts of the segment being written
        out.segments.append(current)
    return out


def check_ll_media(name: str, text: str, *, delta: bool = False) -> list[Problem]:
    """The rules one low-latency playlist obeys on its own."""
    playlist = parse_ll(text)
    problems = []
    needed = 9 if playlist.skipped or "#EXT-X-SKIP" in text else 6 if playlist.has_map else 1
    if playlist.version < needed:
        problems.append(Problem("ll-version", name, f"version {playlist.version} < {needed}"))
    control, part_target = playlist.server_control, playlist.part_target
    if control.get("CAN-BLOCK-RELOAD") != "YES":
        problems.append(Problem("ll-server-control", name, "no CAN-BLOCK-RELOAD=YES"))
    if part_target is None:
        problems.append(Problem("ll-part-inf", name, "no EXT-X-PART-INF"))
        return problems
    hold_back = float(control.get("PART-HOLD-BACK", "0"))
    if not 2 * part_target <= hold_back <= 3 * part_target + 0.05:
        problems.append(
            Problem(
                "ll-server-control", name, f"PART-HOLD-BACK={hold_back}, PART-TARGET={part_target}"
            )
        )
    if float(control.get("CAN-SKIP-UNTIL", "0")) < 6 * playlist.target:
        problems.append(Problem("ll-server-control", name, "CAN-SKIP-UNTIL under 6 targets"))
    if not playlist.maps_before_first:
        problems.append(Problem("ll-map", name, "no EXT-X-MAP before the first segment"))
    uris: list[str] = []
    for segment in playlist.segments:
        for index, part in enumerate(segment.parts):
            uris.append(part.uri)
            # The newest part of the segment being written may yet be its last (ffmpeg cuts a
            # short fragment only before a keyframe); once complete, the rule applies as is.
            last = index == len(segment.parts) - 1
            if part.duration > part_target + 1e-6:
                problems.append(
                    Problem(
                        "ll-part-duration", name, f"{part.uri}: {part.duration} > {part_target}"
                    )
                )
            if part.duration < PART_SHORT * part_target and not (part.independent or last):
                problems.append(
                    Problem("ll-part-duration", name, f"{part.uri}: {part.duration} under 85%")
                )
        if segment.parts and not segment.parts[0].independent:
            problems.append(Problem("ll-parts", name, f"segment {segment.msn} starts dependent"))
        if segment.parts and segment.duration is not None:
            total = sum(p.duration for p in segment.parts)
            if abs(total - segment.duration) > 0.001 * len(segment.parts) + 0.001:
                problems.append(
                    Problem(
                        "ll-parts",
                        name,
                        f"segment {segment.msn}: parts {total}, EXTINF {segment.duration}",
                    )
                )
    if len(set(uris)) != len(uris):
        problems.append(Problem("ll-parts", name, "a part is listed twice"))
    if len(playlist.hints) > 1 or any(h.get("TYPE") != "PART" for h in playlist.hints):
        problems.append(Problem("ll-preload-hint", name, f"hints {playlist.hints}"))
    if playlist.hints and (playlist.ended or playlist.hints[0]["URI"] in uris):
        problems.append(Problem("ll-preload-hint", name, "hint after the end or already listed"))
    if playlist.skipped and not delta:
        problems.append(Problem("ll-skip", name, "EXT-X-SKIP in a playlist not asked for a delta"))
    return problems


def check_ll_reloads(name: str, texts: Sequence[str]) -> list[Problem]:
    """Between successive versions of one low-latency playlist (full ones, no deltas)."""
    problems = []
    parts: dict[str, float] = {}
    part_targets: set[float | None] = set()
    targets: set[int] = set()
    previous_sequence = -1
    for index, text in enumerate(texts):
        playlist = parse_ll(text)
        where = f"{name} (version {index + 1} of {len(texts)})"
        part_targets.add(playlist.part_target)
        targets.add(playlist.target)
        if playlist.media_sequence < previous_sequence:
            problems.append(Problem("media-sequence", where, "went down"))
        previous_sequence = playlist.media_sequence
        for segment in playlist.segments:
            for part in segment.parts:
                if parts.setdefault(part.uri, part.duration) != part.duration:
                    problems.append(Problem("ll-parts", where, f"{part.uri} changed duration"))
    if len(part_targets) > 1:
        problems.append(Problem("ll-part-inf", name, f"PART-TARGET changed: {part_targets}"))
    if len(targets) > 1:
        problems.append(Problem("target", name, f"target changed: {targets}"))
    return problems


def check_ll_delta(name: str, full: str, delta: str) -> list[Problem]:
    """A delta update against the full playlist of the same moment."""
    whole, part = parse_ll(full), parse_ll(delta)
    problems = check_ll_media(name, delta, delta=True)
    if part.media_sequence != whole.media_sequence:
        problems.append(Problem("ll-skip", name, "media sequences differ"))
    skipped = whole.segments[: part.skipped]
    if len(skipped) != part.skipped:
        problems.append(Problem("ll-skip", name, "skipped more segments than there are"))
    total = sum(s.duration or sum(p.duration for p in s.parts) for s in whole.segments)
    start = 0.0
    skip_until = float(whole.server_control.get("CAN-SKIP-UNTIL", "0"))
    for segment in skipped:
        if total - start <= skip_until:
            problems.append(
                Problem("ll-skip", name, f"skipped {segment.msn}, within CAN-SKIP-UNTIL")
            )
        start += segment.duration or 0.0
    tail = [(s.msn, s.uri) for s in whole.segments[part.skipped :]]
    if [(s.msn, s.uri) for s in part.segments] != tail:
        problems.append(Problem("ll-skip", name, "the delta's segments are not the full tail"))
    return problems


def check_ll_reports(name: str, text: str, siblings: Mapping[str, str]) -> list[Problem]:
    """Rendition reports against the sibling playlists fetched right after (`siblings` by the
    report's URI without its query)."""
    playlist = parse_ll(text)
    problems = []
    reported = {r["URI"].split("?", 1)[0]: r for r in playlist.reports}
    if set(reported) != set(siblings):
        problems.append(
            Problem(
                "ll-rendition-report",
                name,
                f"reports {sorted(reported)}, variants {sorted(siblings)}",
            )
        )
    for uri, report in reported.items():
        if uri not in siblings:
            continue
        sibling = parse_ll(siblings[uri])
        msn, index = int(report["LAST-MSN"]), int(report["LAST-PART"])
        # The sibling, fetched after, holds that part or has moved past it.
        listed = {(s.msn, i) for s in sibling.segments for i in range(len(s.parts))}
        newest = max(listed, default=(-1, -1))
        if (msn, index) not in listed and (msn, index) > newest:
            problems.append(Problem("ll-rendition-report", name, f"{uri}: {msn}.{index} ahead"))
    return problems


def check_ll_blocking(name: str, text: str, msn: int, part: int) -> list[Problem]:
    playlist = parse_ll(text)
    for segment in playlist.segments:
        if segment.msn > msn or (segment.msn == msn and (len(segment.parts) > part or segment.uri)):
            return []
    return [Problem("ll-blocking", name, f"answered without part {part} of segment {msn}")]


def probe_fragmented(ffprobe: str, path: Path) -> tuple[float, bool]:
    """`probe_segment` for an init section joined to a fragmented-MP4 segment: its timestamps
    start where the stream was, so the duration is measured over its video packets."""
    out = subprocess.run(
        [ffprobe, "-v", "error", "-select_streams", "v:0",
         "-show_entries", "packet=pts_time,duration_time,flags", "-of", "json", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    packets = json.loads(out.stdout).get("packets") or []
    if not packets:
        return 0.0, False
    starts = [float(p["pts_time"]) for p in packets]
    end = max(float(p["pts_time"]) + float(p["duration_time"]) for p in packets)
    return end - min(starts), packets[0].get("flags", "").startswith("K")
