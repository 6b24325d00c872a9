"""What only the Redis bus does: deliver across nodes, subscribe on demand, survive outages."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from chirp.bus import open_bus
from chirp.bus.redis import CHANNEL
from tests.bus.conftest import Recorder, arrived
from tests.redis_server import _free_port, redis_server


@pytest.fixture
async def flushed(redis_url: str) -> str:
    client = aioredis.Redis.from_url(redis_url)
    await client.flushall()
    await client.aclose()
    return redis_url


async def test_a_message_published_on_one_node_reaches_another(flushed: str) -> None:
    a, b = (
        open_bus(flushed, history=100, per_topic=10),
        open_bus(flushed, history=100, per_topic=10),
    )
    seen_a, seen_b = Recorder(), Recorder()
    await a.start(seen_a)
    await b.start(seen_b)
    try:
        await a.listen("user:1")
        position = await b.publish(["user:1"], "notification", '{"type":"favourite"}')
        (message,) = await arrived(seen_a, 1)
        assert (message.topic, message.position, message.event) == (
            "user:1",
            position,
            "notification",
        )
        assert seen_b.messages == []  # b does not listen to user:1
    finally:
        await a.close()
        await b.close()


async def test_a_publish_to_a_thousand_topics_reaches_the_ones_listened_on_other_nodes(
    flushed: str,
) -> None:
    """The topics travel to Redis as one argument (a line each): every one is still published,
    and a topic that could not travel that way is refused before anything is sent."""
    a, b = (
        open_bus(flushed, history=100, per_topic=10),
        open_bus(flushed, history=100, per_topic=10),
    )
    seen = Recorder()
    await a.start(seen)
    await b.start(Recorder())
    try:
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
    finally:
        await a.close()
        await b.close()


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


async def test_redis_outage_keeps_local_delivery_and_resubscribes(tmp_path: Path) -> None:
    with redis_server(tmp_path / "probe"):
        pass  # skips (or fails in CI) when redis-server is missing
    port = _free_port()
    command = [
        shutil.which("redis-server") or "redis-server",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]
    url = f"redis://127.0.0.1:{port}/0"

    async def start_redis() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = aioredis.Redis.from_url(url)
        for _ in range(100):
            try:
                await client.ping()
                break
            except Exception:  # not accepting connections yet
                await asyncio.sleep(0.05)
        await client.aclose()
        return process

    server = await start_redis()
    node, other = open_bus(url, history=100, per_topic=10), open_bus(url, history=100, per_topic=10)
    seen = Recorder()
    await node.start(seen)
    await other.start(Recorder())
    try:
        await node.listen("user:7")
        server.terminate()
        server.wait()
        # Redis is gone: publishing neither raises nor loses this node's own delivery.
        assert await node.publish(["user:7"], "update", '"while down"') == ""
        assert [m.payload for m in await arrived(seen, 1)] == ['"while down"']

        server = await start_redis()
        # The node reconnects with backoff and resubscribes; events from other nodes flow again.
        for _ in range(100):
            await other.publish(["user:7"], "update", '"after"')
            if len(seen.messages) > 1:
                break
            await asyncio.sleep(0.1)
        assert seen.messages[-1].payload == '"after"'
        assert seen.messages[-1].position
    finally:
        await node.close()
        await other.close()
        server.terminate()
        server.wait()


async def test_a_bus_whose_redis_is_away_is_not_reachable() -> None:
    bus = open_bus(f"redis://127.0.0.1:{_free_port()}/0", history=100, per_topic=10)
    await bus.start(Recorder())
    try:
        assert not await bus.reachable()
    finally:
        await bus.close()
