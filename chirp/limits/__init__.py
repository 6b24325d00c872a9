"""Request counters for rate limits: the port and its backends (`memory` for one node, `redis`
shared by every node that uses the same Redis as its bus)."""

from __future__ import annotations

from chirp.limits.port import Count, Limiter


def open_limiter(url: str) -> Limiter:
    """The counters beside the bus: Redis when `url` is a Redis URL, this process otherwise."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        from chirp.limits.redis import RedisLimiter

        return RedisLimiter(url)
    from chirp.limits.memory import MemoryLimiter

    return MemoryLimiter()


__all__ = ["Count", "Limiter", "open_limiter"]
