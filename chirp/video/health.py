"""Stream health for the streamer: what their encoder sends and how the relay keeps up.

One `Health` per publisher connection gathers the bytes the publisher sent (ingest bit rate),
ffmpeg's own progress report (`-progress`: frames read and encoded per second, frames dropped
and duplicated, overall speed) and, per rung, the media seconds of the segments listed over
the wall-clock seconds it took (1.0: real time; below it the rung falls behind). `report()`
is what the relay hands on every `HEALTH_SECONDS` (the bus carries it to the studio page).
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HEALTH_SECONDS = 2.0
WINDOW_SECONDS = 10.0  # ingest bit rate over the last this many seconds
RUNG_SEGMENTS = 6  # a rung's speed over its last this many segments


def parse_progress(lines: list[str]) -> dict[str, str]:
    """One block of ffmpeg's `-progress` output (`key=value` lines up to `progress=…`)."""
    out = {}
    for line in lines:
        key, sep, value = line.strip().partition("=")
        if sep:
            out[key] = value.strip()
    return out


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.rstrip("x"))
    except ValueError:
        return None  # ffmpeg writes N/A before it knows


@dataclass
class _Rung:
    listed: collections.deque[tuple[float, float, int]] = field(
        default_factory=lambda: collections.deque(maxlen=RUNG_SEGMENTS)
    )  # (listed at, duration, bytes)


class Health:
    def __init__(
        self, rungs: list[tuple[str, bool]], clock: Callable[[], float] = time.monotonic
    ) -> None:
        """`rungs`: (name, passthrough) of each rung, top first."""
        self.clock = clock
        self.rungs = {name: _Rung() for name, _ in rungs}
        self.passthrough = {name: copied for name, copied in rungs}
        self._ingest: collections.deque[tuple[float, int]] = collections.deque()
        self._progress: dict[str, str] = {}
        self._progress_at: float | None = None
        self._previous: tuple[float, float] | None = None  # (at, frames) at the last progress
        self.input_fps: float | None = None

    def ingested(self, size: int) -> None:
        now = self.clock()
        self._ingest.append((now, size))
        while self._ingest and self._ingest[0][0] < now - WINDOW_SECONDS:
            self._ingest.popleft()

    def progress(self, block: dict[str, str]) -> None:
        now = self.clock()
        frames = _number(block.get("frame"))
        if frames is not None and self._previous is not None and now > self._previous[0]:
            self.input_fps = (frames - self._previous[1]) / (now - self._previous[0])
        if frames is not None:
            self._previous = (now, frames)
        self._progress, self._progress_at = block, now

    def segment(self, rung: str, duration: float, size: int) -> None:
        if rung in self.rungs:
            self.rungs[rung].listed.append((self.clock(), duration, size))

    def ingest_kbps(self) -> int | None:
        if len(self._ingest) < 2:
            return None
        span = max(self.clock() - self._ingest[0][0], 1.0)
        return round(sum(size for _, size in self._ingest) * 8 / span / 1000)

    def report(self) -> dict[str, Any]:
        rungs = []
        for name, rung in self.rungs.items():
            listed = list(rung.listed)
            speed = kbps = None
            if len(listed) >= 2:
                # The first segment's duration is what the wall clock covered before it.
                media = sum(duration for _, duration, _ in listed[1:])
                wall = listed[-1][0] - listed[0][0]
                speed = round(media / wall, 2) if wall > 0 else None
            if listed:
                seconds = sum(duration for _, duration, _ in listed)
                kbps = round(sum(size for _, _, size in listed) * 8 / seconds / 1000)
            rungs.append(
                {"name": name, "passthrough": self.passthrough[name], "speed": speed, "kbps": kbps}
            )
        block = self._progress
        return {
            "ingest_kbps": self.ingest_kbps(),
            "frame_rate": round(self.input_fps, 2) if self.input_fps is not None else None,
            "frames": int(_number(block.get("frame")) or 0),
            "dropped_frames": int(_number(block.get("drop_frames")) or 0),
            "duplicated_frames": int(_number(block.get("dup_frames")) or 0),
            "encoder_speed": _number(block.get("speed")),
            "rungs": rungs,
        }
