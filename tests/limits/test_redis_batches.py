"""What only the shared (Redis) limiter does: nodes claim counts in batches; no budget is ever
exceeded across nodes, and it is reached at most a batch early per other node."""

from __future__ import annotations

import random
import uuid

from chirp.limits.redis import RedisLimiter


async def test_two_nodes_never_pass_more_than_the_budget(redis_url: str) -> None:
    nodes = [RedisLimiter(redis_url), RedisLimiter(redis_url)]
    key = uuid.uuid4().hex
    try:
        counts = [(await random.choice(nodes).hit(key, 3600, batch=5)).used for _ in range(200)]
    finally:
        for node in nodes:
            await node.close()
    # Every request gets a count of its own: a budget of 50 passes at most 50 requests, and
    # at least 50 less what the other node claimed and had not spent (4).
    assert len(set(counts)) == 200
    assert 46 <= sum(1 for used in counts if used <= 50) <= 50


async def test_one_round_trip_per_batch(redis_url: str) -> None:
    node = RedisLimiter(redis_url)
    key = uuid.uuid4().hex
    calls = 0
    real = node._hit

    async def counting(**kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return await real(**kwargs)

    node._hit = counting  # type: ignore[assignment,method-assign]
    try:
        for _ in range(40):
            await node.hit(key, 3600, batch=8)
        assert calls == 5
    finally:
        await node.close()
