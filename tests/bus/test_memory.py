"""What only the in-process bus does: exact history bounds, and one call per many-topic publish."""

from __future__ import annotations

import pytest

from chirp.bus import open_bus
from chirp.core.ports.bus import WATCH_SECONDS, Message
from tests.bus.conftest import Recorder, watch


async def test_a_publish_to_many_topics_is_one_call_with_one_message() -> None:
    bus = open_bus("memory://", history=10, per_topic=5)
    calls: list[tuple[set[str], Message]] = []
    await bus.start(lambda topics, message: calls.append((set(topics), message)))
    for n in range(1_000):
        await bus.listen(f"user:{n}")
    topics = [f"user:{n}" for n in range(2_000)]  # half of them listened to
    position = await bus.publish(topics, "update", '"x"')
    ((delivered, message),) = calls
    assert delivered == {f"user:{n}" for n in range(1_000)}
    assert message == Message(position, "update", '"x"')


async def test_replay_reaches_back_exactly_per_topic_messages() -> None:
    bus = open_bus("memory://", history=100, per_topic=5)
    await bus.start(Recorder())
    await watch(bus, "user:1", "user:2")
    start = await bus.publish(["user:1"], "update", "0")
    positions = [await bus.publish(["user:1", "user:2"], "update", str(n)) for n in range(1, 6)]
    missed = await bus.replay("user:1", start)  # exactly `per_topic` messages after it
    assert missed is not None and [m.payload for m in missed] == ["1", "2", "3", "4", "5"]
    await bus.publish(["user:1"], "update", "6")
    assert await bus.replay("user:1", start) is None  # one more than the topic keeps
    assert [m.payload for m in await bus.replay("user:1", positions[0]) or []] == [
        "2",
        "3",
        "4",
        "5",
        "6",
    ]
    assert await bus.replay("user:2", start) is not None  # user:2 got only 5 of them


async def test_replay_of_a_topic_whose_index_was_dropped() -> None:
    bus = open_bus("memory://", history=2, per_topic=5)
    await bus.start(Recorder())
    await watch(bus, "quiet", *(f"busy:{n}" for n in range(20)))
    before = await bus.publish(["quiet"], "update", "0")
    last = await bus.publish(["quiet"], "update", "1")
    for n in range(20):  # the ring evicts `quiet` and its index is dropped with many topics
        await bus.publish([f"busy:{n}"], "update", str(n))
    assert await bus.replay("quiet", last) == []
    assert await bus.replay("quiet", before) is None
    again = await bus.publish(["quiet"], "update", "2")
    assert await bus.replay("quiet", before) is None  # its message "1" is gone for good
    missed = await bus.replay("quiet", last)
    assert missed is not None and [(m.position, m.payload) for m in missed] == [(again, "2")]


async def test_the_record_of_dropped_indexes_is_bounded_and_resets_what_it_forgot() -> None:
    bus = open_bus("memory://", history=2, per_topic=5)
    await bus.start(Recorder())
    await watch(bus, "early", "late", *(f"once:{n}" for n in range(200)))
    first = await bus.publish(["early"], "update", "0")
    for n in range(200):  # topics come and go: their indexes are dropped, then forgotten
        await bus.publish([f"once:{n}"], "update", str(n))
    assert len(bus._topic_evicted) <= 16 * 2  # type: ignore[attr-defined]
    assert await bus.replay("early", first) is None  # forgotten: reset, never a silent gap
    assert await bus.replay("once:0", first) is None
    latest = await bus.publish(["late"], "update", "x")
    assert await bus.replay("late", latest) == []


async def test_a_watch_ends_a_while_after_the_last_listener(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bus = open_bus("memory://", history=100, per_topic=5)
    await bus.start(Recorder())
    clock = [1000.0]
    monkeypatch.setattr("chirp.bus.memory.time.monotonic", lambda: clock[0])
    await watch(bus, "user:1")
    first = await bus.publish(["user:1"], "update", "0")
    clock[0] += WATCH_SECONDS - 1
    second = await bus.publish(["user:1"], "update", "1")
    assert [m.position for m in await bus.replay("user:1", first) or []] == [second]
    clock[0] += 2  # the watch is over: its index goes, replays reset
    await bus.publish(["user:1"], "update", "2")
    assert await bus.replay("user:1", first) is None
    assert "user:1" not in bus._topic_positions  # type: ignore[attr-defined]
