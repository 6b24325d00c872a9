"""The realtime event bus's backends (`memory` embedded, `redis` for clusters); the port is
`chirp.core.ports.bus`."""

from __future__ import annotations

from chirp.core.ports.bus import EventBus


def open_bus(url: str, *, history: int, per_topic: int) -> EventBus:
    """`memory://` (one node) or `redis://host:port/db`."""
    if url.startswith("memory:"):
        from chirp.bus.memory import MemoryBus

        return MemoryBus(history=history, per_topic=per_topic)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from chirp.bus.redis import RedisBus

        return RedisBus(url, history=history, per_topic=per_topic)
    raise ValueError(f"unsupported bus URL: {url.split(':', 1)[0]}://")


__all__ = ["open_bus"]
