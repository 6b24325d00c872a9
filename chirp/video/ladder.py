"""The HLS ladder: which renditions to encode, sized to the source and to the cores we have."""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rung:
    name: str  # also the blob folder: `live/<stream>/<name>/`
    width: int
    height: int
    video_kbps: int
    audio_kbps: int
    # The source's own H.264, copied (`-c:v copy`), not re-encoded: its segments end at the
    # source's keyframes, so the encoder must send one every segment duration.
    passthrough: bool = False

    @property
    def average_bandwidth(self) -> int:
        """Estimated average bits per second of the rung's segments as stored: video and audio
        in MPEG-TS (see `container_kbps`). Replaced by measured values as segments arrive."""
        return container_bps(self.video_kbps + self.audio_kbps)

    @property
    def bandwidth(self) -> int:
        """Estimated peak bits per second: the video at the encoder's `-maxrate`, audio, and the
        container around them."""
        return container_bps(self.video_kbps * MAXRATE_FACTOR + self.audio_kbps)


# MPEG-TS around the elementary streams: 4 header bytes in every 188-byte packet, plus about 1%
# the rate control overshoots its target (measured on the synthetic publisher's pattern).
TS_FACTOR = 188 / 184 * 1.012
# A PES header and the stuffing of its last, partly filled TS packet, once per video frame (about
# 125 bytes at 30 frames per second): a fixed cost, so it weighs most on the lowest rungs.
PES_KBPS = 28
MAXRATE_FACTOR = 1.1  # `-maxrate` over `-b:v` in the transcoder


def container_bps(stream_kbps: float) -> int:
    """Bits per second of MPEG-TS segments carrying `stream_kbps` of audio and video."""
    return round((stream_kbps * TS_FACTOR + PES_KBPS) * 1000)


@dataclass(frozen=True, slots=True)
class RungSpec:
    """One rung as configured: its height, video bit rate, and width (None: the source's aspect
    ratio decides)."""

    height: int
    video_kbps: int
    width: int | None = None


# Video bit rates of named rungs (`CHIRP_LIVE_LADDER=1080p,720p`), H.264 at 30 fps.
NAMED_KBPS = {2160: 14000, 1440: 8000, 1080: 5000, 720: 2800, 480: 1200, 360: 800, 240: 400}
# From the top; lower rungs are cut when cores are scarce.
DEFAULT_LADDER = (RungSpec(720, 2800), RungSpec(480, 1200), RungSpec(240, 400))
AUDIO_KBPS = 96
MAX_RUNGS = 6
_RUNG = re.compile(
    r"(?:(?P<width>[0-9]{2,4})x(?P<height>[0-9]{2,4})|(?P<named>[0-9]{3,4})p)"
    r"(?:@(?P<kbps>[0-9]{2,5}))?"
)


def parse_ladder(text: str) -> tuple[RungSpec, ...]:
    """`CHIRP_LIVE_LADDER`: comma-separated rungs, each a named height (`720p`, bit rate from
    NAMED_KBPS, or `720p@2500`) or explicit `WxH@kbps` (`1280x720@3000`); empty is the
    default ladder. Tallest first whatever the order given. ValueError says what is wrong."""
    if not text.strip():
        return DEFAULT_LADDER
    specs = []
    for item in (part.strip() for part in text.split(",")):
        match = _RUNG.fullmatch(item)
        if match is None:
            raise ValueError(f"live ladder rung {item!r}: write 720p, 720p@2500 or 1280x720@3000")
        height = int(match["height"] or match["named"])
        width = int(match["width"]) if match["width"] else None
        if match["kbps"]:
            kbps = int(match["kbps"])
        elif width is None and height in NAMED_KBPS:
            kbps = NAMED_KBPS[height]
        else:
            raise ValueError(f"live ladder rung {item!r}: give its bit rate, e.g. {item}@1000")
        if not 144 <= height <= 2160 or height % 2 or (width is not None and width % 2):
            raise ValueError(f"live ladder rung {item!r}: even sizes, heights 144 to 2160")
        if width is not None and not 144 <= width <= 3840:
            raise ValueError(f"live ladder rung {item!r}: widths 144 to 3840")
        if not 100 <= kbps <= 50_000:
            raise ValueError(f"live ladder rung {item!r}: bit rates 100 to 50000 kbit/s")
        specs.append(RungSpec(height, kbps, width))
    if len({spec.height for spec in specs}) != len(specs):
        raise ValueError(f"live ladder {text!r}: two rungs of the same height")
    if len(specs) > MAX_RUNGS:
        raise ValueError(f"live ladder {text!r}: at most {MAX_RUNGS} rungs")
    return tuple(sorted(specs, key=lambda spec: -spec.height))


CODECS = "avc1.4d401f,mp4a.40.2"  # H.264 Main@3.1, AAC-LC


@dataclass(frozen=True, slots=True)
class Plan:
    rungs: tuple[Rung, ...]
    preset: str  # libx264 speed preset
    threads: int


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def plan_ladder(
    source_width: int | None,
    source_height: int | None,
    cores: int,
    ladder: tuple[RungSpec, ...] = DEFAULT_LADDER,
    passthrough_kbps: int | None = None,
) -> Plan:
    """Rungs no taller than the source (the source height becomes the top rung when it is below
    the ladder's top, bit rates scaled down with it), at most one rung per core beyond the
    first, x264 faster on fewer cores.

    `passthrough_kbps`: the source's video bit rate when its video can be copied as it is
    (H.264 of a known rate). A source that fits the top rung (no taller, no wider, no more bits)
    then becomes that rung unchanged: no re-encode, the source's own quality, one encoder less.
    """
    src_h = source_height or ladder[0].height
    aspect = (source_width / source_height) if source_width and source_height else 16 / 9
    chosen: list[tuple[int, int, int]] = []  # (height, kbps, width)
    for spec in ladder:
        capped = min(spec.height, src_h - src_h % 2)
        if all(capped != h for h, _, _ in chosen):
            scale = capped / spec.height
            width = _even(capped * aspect if spec.width is None else spec.width * scale)
            chosen.append((capped, round(spec.video_kbps * scale), width))
    chosen = chosen[: cores + 1]
    preset = "veryfast" if cores >= 4 else "superfast" if cores >= 2 else "ultrafast"
    rungs = [
        Rung(name=f"{h}p", width=w, height=h, video_kbps=kbps, audio_kbps=AUDIO_KBPS)
        for h, kbps, w in chosen
    ]
    top = rungs[0]
    if (
        passthrough_kbps
        and source_width
        and source_height
        and source_height <= top.height + 1  # an odd height was rounded down
        and source_width <= top.width + 1
        and passthrough_kbps <= top.video_kbps
    ):
        rungs[0] = Rung(
            top.name, source_width, source_height, passthrough_kbps, AUDIO_KBPS, passthrough=True
        )
    plan = Plan(rungs=tuple(rungs), preset=preset, threads=max(1, cores))
    log.info(
        "live ladder chosen",
        extra={
            "cores": cores,
            "source": f"{source_width}x{source_height}",
            "rungs": ",".join(
                f"{r.width}x{r.height}@{r.video_kbps}k{'(copy)' if r.passthrough else ''}"
                for r in rungs
            ),
            "preset": preset,
        },
    )
    return plan


def _even(value: float) -> int:
    return max(2, 2 * math.floor(value / 2 + 0.5))
