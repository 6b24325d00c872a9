"""What only the Redis bus does: deliver across nodes, subscribe on demand, survive outages."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from chirp.bus import open_bus
from chirp.bus.redis import CHANNEL
from chirp.core.ports.bus import RESET, BusUnavailable, EventBus, position_key
from tests.bus.conftest import Recorder, arrived
from tests.redis_server import RedisProcess, _free_port


@pytest.fixture
async def flushed(redis_url: str) -> str:
    client = aioredis.Redis.from_url(redis_url)
    await client.flushall()
    await client.aclose()
    return redis_url


@contextlib.asynccontextmanager
async def _two_nodes(
    url: str, seen_a: Recorder, seen_b: Recorder
) -> AsyncIterator[tuple[EventBus, EventBus]]:
    """Two started buses on one Redis (a node each), closed afterwards."""
    a = open_bus(url, history=100, per_topic=10)
    b = open_bus(url, history=100, per_topic=10)
    try:
        await a.start(seen_a)
        await b.start(seen_b)
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_a_message_published_on_one_node_reaches_another(flushed: str) -> None:
    seen_a, seen_b = Recorder(), Recorder()
    async with _two_nodes(flushed, seen_a, seen_b) as (a, b):
        await a.listen("user:1")
        position = await b.publish(["user:1"], "notification", '{"type":"favourite"}')
        (message,) = await arrived(seen_a, 1)
        assert (message.topic, message.position, message.event) == (
            "user:1",
            position,
            "notification",
        )
        assert seen_b.messages == []  # b does not listen to user:1


async def test_a_publish_to_a_thousand_topics_reaches_the_ones_listened_on_other_nodes(
    flushed: str,
) -> None:
    """The topics travel to Redis as one argument (a line each): every one is still published,
    and a topic that could not travel that way is refused before anything is sent."""
    seen = Recorder()
    async with _two_nodes(flushed, seen, Recorder()) as (a, b):
        await a.listen("user:7")
        await a.listen("hashtag:żółw")
        before = await b.publish(["user:7"], "update", '{"id":"0"}')
        audience = [f"user:{n}" for n in range(1000)] + ["hashtag:żółw"]
        position = await b.publish(audience, "update", '{"id":"1"}')
        messages = (await arrived(seen, 3))[1:]
        assert sorted(m.topic for m in messages) == ["hashtag:żółw", "user:7"]
        assert {m.position for m in messages} == {position}
        replayed = await a.replay("user:7", before)  # the topic's index has it too
        assert [(m.position, m.payload) for m in replayed or []] == [(position, '{"id":"1"}')]
        for bad in (["user:1", "user:2\nuser:3"], ["user:1", ""]):
            with pytest.raises(ValueError):
                await b.publish(bad, "update", "{}")


async def test_a_node_subscribes_only_while_it_listens(flushed: str) -> None:
    bus = open_bus(flushed, history=100, per_topic=10)
    await bus.start(Recorder())
    admin = aioredis.Redis.from_url(flushed)
    try:
        channel = CHANNEL + "hashtag:chirp"
        assert await admin.pubsub_numsub(channel) == [(channel.encode(), 0)]
        await bus.listen("hashtag:chirp")
        assert await admin.pubsub_numsub(channel) == [(channel.encode(), 1)]
        await bus.unlisten("hashtag:chirp")
        await asyncio.sleep(0.05)
        assert await admin.pubsub_numsub(channel) == [(channel.encode(), 0)]
    finally:
        await bus.close()
        await admin.aclose()


async def test_what_is_published_while_a_listen_subscribes_is_delivered_once_in_order(
    flushed: str,
) -> None:
    """A listen watches the topic, then subscribes: what is published between the two is in
    the topic's history but was never on the channel for this node. It is replayed once the
    subscription is confirmed, before what the channel brings meanwhile, and nothing twice."""
    seen = Recorder()
    async with _two_nodes(flushed, seen, Recorder()) as (a, b):
        pubsub = a._pubsub  # type: ignore[attr-defined]
        subscribe = pubsub.subscribe

        async def subscribe_late(*channels: str) -> None:
            if CHANNEL + "user:1" in channels:
                await b.publish(["user:1"], "update", "between")
            await subscribe(*channels)

        pubsub.subscribe = subscribe_late
        replay = a._replay  # type: ignore[attr-defined]

        async def replay_late(topic: str, after: str) -> object:
            await b.publish(["user:1"], "update", "while catching up")
            await asyncio.sleep(0.05)  # its channel message arrives before the replay's answer
            return await replay(topic, after)

        a._replay = replay_late  # type: ignore[attr-defined]
        await a.listen("user:1")
        await b.publish(["user:1"], "update", "after")
        got = await arrived(seen, 3)
        await asyncio.sleep(0.1)  # nothing more comes
        assert [m.payload for m in seen.messages] == ["between", "while catching up", "after"]
        assert [position_key(m.position) for m in got] == sorted(
            position_key(m.position) for m in got
        )


async def _until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    assert predicate()


async def test_a_publish_while_redis_is_away_raises_and_delivers_nowhere(tmp_path: Path) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    node = open_bus(redis.url, history=100, per_topic=10)
    seen = Recorder()
    await node.start(seen)
    try:
        await node.listen("user:7")
        redis.kill()
        # Not to this node's own sockets alone: the others' would miss it without knowing.
        with pytest.raises(BusUnavailable):
            await node.publish(["user:7"], "update", '"while down"')
        await asyncio.sleep(0.1)
        assert seen.messages == []
    finally:
        await node.close()
        redis.kill()


async def test_redis_restarted_empty_resets_listened_topics_and_old_positions(
    tmp_path: Path,
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    node, other = (
        open_bus(redis.url, history=100, per_topic=10),
        open_bus(redis.url, history=100, per_topic=10),
    )
    seen = Recorder()
    await node.start(seen)
    await other.start(Recorder())
    try:
        await node.listen("user:7")
        before = await other.publish(["user:7"], "update", '"before"')
        await arrived(seen, 1)
        redis.kill()
        redis.start()  # empty: the history (and its epoch) are gone
        # Published before the node is back: a young epoch indexes every topic.
        # (The first command on a connection the old server closed fails: retried, as the
        # outbox's pushes are.)
        with contextlib.suppress(BusUnavailable):
            await other.publish(["nobody"], "noop", "{}", keep=False)
        early = await other.publish(["user:7"], "update", '"early"')
        # The node reconnects, cannot know what was in flight when its link broke, and says so;
        # then it hands on what the new epoch holds for its topics.
        await _until(lambda: any(m.payload == '"early"' for m in seen.messages))
        reset = next(m for m in seen.messages if m.event == RESET)
        assert (reset.topic, reset.position) == ("user:7", "")
        assert [m.event for m in seen.messages[-2:]] == [RESET, "update"]
        assert seen.messages[-1].position == early
        # A client coming back with a position from before is reset too, not told "nothing".
        assert await node.replay("user:7", before) is None
        after = await other.publish(["user:7"], "update", '"after"')
        assert after.partition("-")[0] != before.partition("-")[0]  # a new epoch
        await _until(lambda: seen.messages[-1].payload == '"after"')
        assert await node.replay("user:7", after) == []
    finally:
        await node.close()
        await other.close()
        redis.kill()


async def test_a_dropped_link_is_caught_up_from_the_history_exactly(tmp_path: Path) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    node, other = (
        open_bus(redis.url, history=100, per_topic=10),
        open_bus(redis.url, history=100, per_topic=10),
    )
    seen = Recorder()
    await node.start(seen)
    await other.start(Recorder())
    admin = aioredis.Redis.from_url(redis.url)
    try:
        await node.listen("user:7")
        await other.publish(["user:7"], "update", "0")
        await arrived(seen, 1)
        # The node's subscription drops (Redis keeps its data); messages go on meanwhile.
        await admin.client_kill_filter(_type="pubsub")
        for n in range(1, 21):
            await other.publish(["user:7"], "update", str(n))
        await arrived(seen, 21)
        await asyncio.sleep(0.3)  # nothing more, nothing twice
        assert [m.payload for m in seen.messages] == [str(n) for n in range(21)]
        assert not any(m.event == RESET for m in seen.messages)
        positions = [m.position for m in seen.messages]
        assert positions == sorted(positions, key=position_key)
    finally:
        await admin.aclose()
        await node.close()
        await other.close()
        redis.kill()


async def test_a_bus_whose_redis_is_away_is_not_reachable() -> None:
    bus = open_bus(f"redis://127.0.0.1:{_free_port()}/0", history=100, per_topic=10)
    await bus.start(Recorder())
    try:
        assert not await bus.reachable()
    finally:
        await bus.close()
