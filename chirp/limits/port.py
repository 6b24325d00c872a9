"""The limiter port: fixed-window request counters and back-off after repeated failures.

Windows are fixed and aligned on wall-clock time (as Mastodon's rack-attack counts them): a
window of `period` seconds starts at a multiple of `period`, so every node agrees on when it
resets without talking to the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Count:
    """Requests counted in `key`'s current window, this one included, and when it ends."""

    used: int
    reset_at: float  # Unix time


def window(now: float, period: int) -> tuple[int, float]:
    """The index of the window holding `now`, and the Unix time it ends."""
    index = int(now // period)
    return index, float((index + 1) * period)


def backoff_seconds(failures: int, *, free: int, base: float, cap: float) -> float:
    """How long a key stays blocked after its `failures`-th failure: nothing for the first
    `free`, then `base` seconds doubling with each further failure, at most `cap`."""
    if failures <= free:
        return 0.0
    return float(min(cap, base * 2 ** min(failures - free - 1, 62)))


class Limiter(Protocol):
    async def hit(self, key: str, period: int, *, batch: int = 1) -> Count:
        """Count one request against `key` in its current window of `period` seconds.

        A shared backend may claim `batch` counts at once and spend them here without asking
        again: one round trip per `batch` requests. Every request still gets a count of its
        own (no two requests the same), so a budget of N passes at most N requests across all
        nodes; with several nodes it may be reached early, by at most `batch - 1` counts per
        other node (claimed there, not yet spent)."""
        ...

    async def blocked_for(self, key: str) -> float:
        """Seconds left of `key`'s back-off (0: not blocked)."""
        ...

    async def fail(self, key: str, *, free: int, base: float, cap: float, forget: int) -> float:
        """Count a failure of `key` (counts are forgotten `forget` seconds after the last one)
        and block it for `backoff_seconds`; returns the block's length (0: none)."""
        ...

    async def forgive(self, key: str) -> None:
        """Forget `key`'s failures and lift its block (a success)."""
        ...

    async def close(self) -> None: ...
