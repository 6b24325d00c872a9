"""What only the in-process limiter promises: its memory stays bounded."""

from __future__ import annotations

from chirp.limits.memory import SWEEP_SECONDS, MemoryLimiter


async def test_expired_windows_are_swept() -> None:
    now = [1_000_000.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    for n in range(1000):
        await limiter.hit(f"ip:{n}", 60)
    assert len(limiter) == 1000
    now[0] += 60 + SWEEP_SECONDS
    await limiter.hit("ip:new", 60)
    assert len(limiter) == 1


async def test_entries_never_exceed_the_cap() -> None:
    limiter = MemoryLimiter(max_keys=100)
    for n in range(1000):
        await limiter.hit(f"ip:{n}", 3600)
        await limiter.fail(f"ip:{n}", free=0, base=1.0, cap=1.0, forget=3600)
    assert len(limiter) <= 100
    # The newest keys are the ones kept.
    assert (await limiter.hit("ip:999", 3600)).used == 2
