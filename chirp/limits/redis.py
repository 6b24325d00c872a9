"""Counters in Redis, shared by every node: each operation is one round trip and atomic (a Lua
script: INCR, and EXPIRE on the window's first hit), so two nodes never both grant the last request.

If Redis is unreachable the limiter fails open (requests are served, a warning is logged at
most once a minute): losing the limits for a while is better than losing the API.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from chirp.limits.port import Count, window

log = logging.getLogger(__name__)

PREFIX = "chirp:rl:"
WARN_EVERY_S = 60.0

# KEYS: the window's counter. ARGV: its lifetime (s), the counts claimed. One command instead
# of a MULTI of three: the client parses one reply (the script is sent once, then run by SHA).
_HIT = """
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return n
"""
# Claimed counts kept per window; past this many windows, those that ended are dropped.
LEASES_SWEEP_AT = 10_000

# KEYS: failures, block. ARGV: forget (s), free, base (ms), cap (ms). Returns the block in ms.
_FAIL = """
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
local free = tonumber(ARGV[2])
if n <= free then return 0 end
local exponent = math.min(n - free - 1, 62)
local ms = math.floor(math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ exponent))
if ms < 1 then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ms)
return ms
"""


class RedisLimiter:
    def __init__(self, url: str, *, clock: Callable[[], float] = time.time) -> None:
        self._redis = aioredis.Redis.from_url(url)
        self._hit = self._redis.register_script(_HIT)
        self._fail = self._redis.register_script(_FAIL)
        self._clock = clock
        # Window key -> [claimed up to, claimed counts left, window end]: see `Limiter.hit`.
        self._leases: dict[str, list[Any]] = {}
        self._warned_at = float("-inf")

    def _unreachable(self, error: RedisError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_S:
            self._warned_at = now
            log.warning("rate limits off: redis unreachable", extra={"error": str(error)})

    async def hit(self, key: str, period: int, *, batch: int = 1) -> Count:
        now = self._clock()
        index, reset_at = window(now, period)
        name = f"{PREFIX}w:{key}:{period}:{index}"
        lease = self._leases.get(name)
        if lease is not None and lease[1] > 0:  # a count claimed earlier, spent here
            lease[1] -= 1
            return Count(used=lease[0] - lease[1], reset_at=reset_at)
        try:
            end = int(await self._hit(keys=[name], args=[period + 1, batch]))
        except RedisError as error:
            self._unreachable(error)
            return Count(used=0, reset_at=reset_at)
        if batch > 1:
            if len(self._leases) >= LEASES_SWEEP_AT:
                self._sweep(now)
            self._leases[name] = [end, batch - 1, reset_at]
        return Count(used=end - (batch - 1), reset_at=reset_at)

    def _sweep(self, now: float) -> None:
        for name in [name for name, lease in self._leases.items() if lease[2] <= now]:
            del self._leases[name]
        while len(self._leases) >= LEASES_SWEEP_AT:  # all current: the oldest claims go
            del self._leases[next(iter(self._leases))]

    async def blocked_for(self, key: str) -> float:
        try:
            ms = await self._redis.pttl(f"{PREFIX}b:{key}")
        except RedisError as error:
            self._unreachable(error)
            return 0.0
        return max(0, int(ms)) / 1000

    async def fail(self, key: str, *, free: int, base: float, cap: float, forget: int) -> float:
        try:
            ms = await self._fail(
                keys=[f"{PREFIX}f:{key}", f"{PREFIX}b:{key}"],
                args=[forget, free, int(base * 1000), int(cap * 1000)],
            )
        except RedisError as error:
            self._unreachable(error)
            return 0.0
        return int(ms) / 1000

    async def forgive(self, key: str) -> None:
        try:
            await self._redis.delete(f"{PREFIX}f:{key}", f"{PREFIX}b:{key}")
        except RedisError as error:
            self._unreachable(error)

    async def close(self) -> None:
        await self._redis.aclose()
