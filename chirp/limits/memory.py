"""Counters in this process, for one node. Memory stays bounded: expired windows and failure
counts are swept as time passes, and past `max_keys` the oldest entries go first."""

from __future__ import annotations

import time
from collections.abc import Callable

from chirp.limits.port import Count, backoff_seconds, window

SWEEP_SECONDS = 10.0


class MemoryLimiter:
    def __init__(self, *, clock: Callable[[], float] = time.time, max_keys: int = 200_000):
        self._clock = clock
        self._max_keys = max_keys
        # key -> [count, expires at]; insertion order is roughly expiry order per period.
        self._entries: dict[str, list[float]] = {}
        self._next_sweep = clock() + SWEEP_SECONDS

    def __len__(self) -> int:
        return len(self._entries)

    def _live(self, key: str, now: float) -> list[float] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[1] <= now:
            del self._entries[key]
            return None
        return entry

    def _put(self, key: str, entry: list[float], now: float) -> None:
        self._entries[key] = entry
        if now >= self._next_sweep or len(self._entries) > self._max_keys:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_SECONDS
        for key in [key for key, (_, expires) in self._entries.items() if expires <= now]:
            del self._entries[key]
        while len(self._entries) > self._max_keys:
            del self._entries[next(iter(self._entries))]

    async def hit(self, key: str, period: int, *, batch: int = 1) -> Count:
        # One process: every count is exact, no batch to claim.
        now = self._clock()
        index, reset_at = window(now, period)
        name = f"w:{key}:{period}:{index}"
        entry = self._live(name, now)
        if entry is None:
            entry = [0, reset_at]
        entry[0] += 1
        self._put(name, entry, now)
        return Count(used=int(entry[0]), reset_at=reset_at)

    async def blocked_for(self, key: str) -> float:
        now = self._clock()
        entry = self._live(f"b:{key}", now)
        return 0.0 if entry is None else entry[1] - now

    async def fail(self, key: str, *, free: int, base: float, cap: float, forget: int) -> float:
        now = self._clock()
        entry = self._live(f"f:{key}", now)
        failures = 1 if entry is None else int(entry[0]) + 1
        self._put(f"f:{key}", [failures, now + forget], now)
        block = backoff_seconds(failures, free=free, base=base, cap=cap)
        if block > 0:
            self._put(f"b:{key}", [1, now + block], now)
        return block

    async def forgive(self, key: str) -> None:
        self._entries.pop(f"f:{key}", None)
        self._entries.pop(f"b:{key}", None)

    async def close(self) -> None:
        self._entries.clear()
