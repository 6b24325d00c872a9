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
