"""The HLS ladder: which renditions to encode, sized to the source and to the cores we have."""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rung:
    name: str  # also the blob folder: `live/<stream>/<name>/`
    width: int
    height: int
    video_kbps: int
    audio_kbps: int

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


# (height, video kbps) from the top; lower rungs are cut when cores are scarce.
FULL_LADDER = ((720, 2800), (480, 1200), (240, 400))
AUDIO_KBPS = 96
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


def plan_ladder(source_width: int | None, source_height: int | None, cores: int) -> Plan:
    """Rungs no taller than the source (the source height becomes the top rung when it is below
    720p), at most one rung per core beyond the first, x264 faster on fewer cores."""
    src_h = source_height or FULL_LADDER[0][0]
    aspect = (source_width / source_height) if source_width and source_height else 16 / 9
    heights: list[tuple[int, int]] = []
    for height, kbps in FULL_LADDER:
        capped = min(height, src_h - src_h % 2)
        if all(capped != h for h, _ in heights):
            heights.append((capped, round(kbps * capped / height)))
    keep = 3 if cores >= 2 else 2
    heights = heights[:keep]
    preset = "veryfast" if cores >= 4 else "superfast" if cores >= 2 else "ultrafast"
    rungs = tuple(
        Rung(
            name=f"{h}p",
            width=_even(h * aspect),
            height=h,
            video_kbps=kbps,
            audio_kbps=AUDIO_KBPS,
        )
        for h, kbps in heights
    )
    plan = Plan(rungs=rungs, preset=preset, threads=max(1, cores))
    log.info(
        "live ladder chosen",
        extra={
            "cores": cores,
            "source": f"{source_width}x{source_height}",
            "rungs": ",".join(f"{r.width}x{r.height}@{r.video_kbps}k" for r in rungs),
            "preset": preset,
        },
    )
    return plan


def _even(value: float) -> int:
    return max(2, 2 * math.floor(value / 2 + 0.5))
