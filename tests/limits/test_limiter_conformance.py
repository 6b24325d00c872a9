"""The limiter port's contract, run against every backend (`conftest.limiter`)."""

from __future__ import annotations

import asyncio
import time

from chirp.limits import Limiter
from chirp.limits.port import backoff_seconds, window


async def test_hits_count_up_within_a_window(limiter: Limiter, key: str) -> None:
    counts = [await limiter.hit(key, 3600) for _ in range(3)]
    assert [count.used for count in counts] == [1, 2, 3]
    assert {count.reset_at for count in counts} == {window(time.time(), 3600)[1]}
    assert counts[0].reset_at > time.time()


async def test_keys_and_periods_count_apart(limiter: Limiter, key: str) -> None:
    await limiter.hit(key, 3600)
    await limiter.hit(key, 3600)
    assert (await limiter.hit(key + "-other", 3600)).used == 1
    assert (await limiter.hit(key, 60)).used == 1
    assert (await limiter.hit(key, 3600)).used == 3


async def test_a_new_window_starts_from_zero(limiter: Limiter, key: str) -> None:
    first = await limiter.hit(key, 1)
    await limiter.hit(key, 1)
    await asyncio.sleep(max(0.0, first.reset_at - time.time()) + 0.05)
    again = await limiter.hit(key, 1)
    assert again.used == 1
    assert again.reset_at == first.reset_at + 1


async def test_concurrent_hits_are_all_counted(limiter: Limiter, key: str) -> None:
    counts = await asyncio.gather(*(limiter.hit(key, 3600) for _ in range(50)))
    assert sorted(count.used for count in counts) == list(range(1, 51))


async def test_failures_block_after_the_free_ones_doubling(limiter: Limiter, key: str) -> None:
    blocks = [await limiter.fail(key, free=2, base=10.0, cap=35.0, forget=3600) for _ in range(6)]
    assert blocks == [0.0, 0.0, 10.0, 20.0, 35.0, 35.0]
    assert 30.0 < await limiter.blocked_for(key) <= 35.0
    assert await limiter.blocked_for(key + "-other") == 0.0


async def test_a_block_ends_on_time(limiter: Limiter, key: str) -> None:
    assert await limiter.fail(key, free=0, base=0.2, cap=10.0, forget=3600) == 0.2
    assert await limiter.blocked_for(key) > 0
    await asyncio.sleep(0.3)
    assert await limiter.blocked_for(key) == 0.0
    # The failure is still remembered: the next one blocks twice as long.
    assert await limiter.fail(key, free=0, base=0.2, cap=10.0, forget=3600) == 0.4


async def test_failures_are_forgotten_after_their_window(limiter: Limiter, key: str) -> None:
    await limiter.fail(key, free=1, base=5.0, cap=10.0, forget=1)
    await asyncio.sleep(1.2)
    assert await limiter.fail(key, free=1, base=5.0, cap=10.0, forget=1) == 0.0


async def test_forgiving_lifts_the_block_and_the_count(limiter: Limiter, key: str) -> None:
    for _ in range(3):
        await limiter.fail(key, free=1, base=5.0, cap=60.0, forget=3600)
    assert await limiter.blocked_for(key) > 0
    await limiter.forgive(key)
    assert await limiter.blocked_for(key) == 0.0
    assert await limiter.fail(key, free=1, base=5.0, cap=60.0, forget=3600) == 0.0


def test_backoff_doubles_from_base_up_to_the_cap() -> None:
    assert [backoff_seconds(n, free=3, base=1.0, cap=6.0) for n in range(1, 8)] == [
        0.0,
        0.0,
        0.0,
        1.0,
        2.0,
        4.0,
        6.0,
    ]
    assert backoff_seconds(10_000, free=0, base=1.0, cap=900.0) == 900.0


async def test_batched_hits_still_count_one_by_one_on_a_node(limiter: Limiter, key: str) -> None:
    counts = [await limiter.hit(key, 3600, batch=4) for _ in range(10)]
    assert [count.used for count in counts] == list(range(1, 11))
