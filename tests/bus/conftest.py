from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Iterator
from dataclasses import dataclass

import pytest

from chirp.bus import open_bus
from chirp.core.ports.bus import EventBus, Message
from tests.redis_server import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@dataclass(frozen=True)
class Received:
    """One message as it arrived for one topic."""

    topic: str
    position: str
    event: str
    payload: str


class Recorder:
    """A `deliver` callback that remembers what arrived, topic by topic."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.calls = 0

    def __call__(self, topics: Collection[str], message: Message) -> None:
        self.calls += 1
        for topic in topics:
            self.messages.append(Received(topic, message.position, message.event, message.payload))

    def on(self, topic: str) -> list[tuple[str, str]]:
        return [(m.event, m.payload) for m in self.messages if m.topic == topic]


BUS_SIZES = {"history": 50, "per_topic": 10}


async def watch(bus: EventBus, *topics: str) -> None:
    """Make topics watched (their history kept) without delivering them: a listener came and
    went, as a client that dropped and will reconnect."""
    for topic in topics:
        await bus.listen(topic)
        await bus.unlisten(topic)


@pytest.fixture(params=["memory", "redis"])
def bus_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def open_node(bus_url: str, redis_url_flush: None) -> AsyncIterator[object]:
    """Factory: open a bus node (with its recorder); all are closed after the test."""
    opened: list[EventBus] = []

    async def node() -> tuple[EventBus, Recorder]:
        bus = open_bus(bus_url, **BUS_SIZES)
        recorder = Recorder()
        await bus.start(recorder)
        opened.append(bus)
        return bus, recorder

    yield node
    for bus in opened:
        await bus.close()


@pytest.fixture
async def redis_url_flush(bus_url: str) -> None:
    """Each test starts from an empty Redis whose history began a minute ago (a young one
    indexes every topic: `chirp.bus.redis.YOUNG_EPOCH_S`)."""
    if bus_url.startswith("redis"):
        import redis.asyncio as aioredis

        from chirp.bus.redis import EPOCH, EVENTS

        client = aioredis.Redis.from_url(bus_url)
        await client.flushall()
        seconds, micros = await client.time()
        epoch = int(seconds) * 1000 + int(micros) // 1000 - 60_000
        await client.set(EPOCH, str(epoch))
        await client.xadd(EVENTS, {"e": "", "p": "", "o": ""}, id=f"{epoch}-0")  # as the bus does
        await client.aclose()


async def arrived(recorder: Recorder, count: int, timeout: float = 3.0) -> list[Received]:
    """Redis delivers asynchronously: wait until `count` messages have arrived."""
    deadline = asyncio.get_running_loop().time() + timeout
    while len(recorder.messages) < count and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    return recorder.messages
