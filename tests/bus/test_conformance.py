"""The bus contract, run against every backend (in-process and Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from chirp.core.ports.bus import EventBus, position_key
from tests.bus.conftest import BUS_SIZES, Recorder, arrived, watch

Node = Callable[[], Awaitable[tuple[EventBus, Recorder]]]


async def test_listened_topics_get_messages_in_order_with_growing_positions(
    open_node: Node,
) -> None:
    bus, seen = await open_node()
    await bus.listen("user:1")
    positions = [await bus.publish(["user:1"], "update", f'{{"n":{n}}}') for n in range(5)]
    messages = await arrived(seen, 5)
    assert [m.payload for m in messages] == [f'{{"n":{n}}}' for n in range(5)]
    assert [m.position for m in messages] == positions
    assert positions == sorted(positions, key=position_key)
    assert len(set(positions)) == 5


async def test_only_listened_topics_are_delivered(open_node: Node) -> None:
    bus, seen = await open_node()
    await bus.listen("public")
    await bus.publish(["user:2"], "update", "{}")
    await bus.publish(["public", "user:2"], "update", '"both"')
    await arrived(seen, 1)
    await bus.unlisten("public")
    await bus.publish(["public"], "update", '"after unlisten"')
    await bus.listen("user:2")
    await bus.publish(["user:2"], "delete", "42")
    messages = await arrived(seen, 2)
    await asyncio.sleep(0.1)  # nothing more may trickle in
    assert [(m.topic, m.payload) for m in seen.messages] == [("public", '"both"'), ("user:2", "42")]
    assert messages[1].event == "delete"


async def test_one_message_to_many_topics_shares_its_position(open_node: Node) -> None:
    bus, seen = await open_node()
    for topic in ("user:1", "user:2", "hashtag:chirp"):
        await bus.listen(topic)
    position = await bus.publish(["user:1", "user:2", "hashtag:chirp"], "update", '"x"')
    messages = await arrived(seen, 3)
    assert sorted(m.topic for m in messages) == ["hashtag:chirp", "user:1", "user:2"]
    assert {m.position for m in messages} == {position}


async def test_ephemeral_messages_are_delivered_but_never_replayed(open_node: Node) -> None:
    bus, seen = await open_node()
    await bus.listen("status:9")
    first = await bus.publish(["status:9"], "update", '"kept"')
    assert (
        await bus.publish(["status:9"], "status.counts", '{"favourites_count":1}', keep=False) == ""
    )
    messages = await arrived(seen, 2)
    assert [m.position for m in messages] == [first, ""]
    assert await bus.replay("status:9", first) == []


async def test_replay_returns_exactly_what_came_after_a_position(open_node: Node) -> None:
    bus, _ = await open_node()
    await watch(bus, "user:1", "user:2")
    positions = []
    for n in range(6):
        positions.append(await bus.publish(["user:1"], "update", str(n)))
        await bus.publish(["user:2"], "update", f"other {n}")
    missed = await bus.replay("user:1", positions[2])
    assert missed is not None
    assert [(m.position, m.event, m.payload) for m in missed] == [
        (positions[n], "update", str(n)) for n in (3, 4, 5)
    ]
    assert await bus.replay("user:1", positions[-1]) == []


async def test_replay_resets_when_history_no_longer_reaches_back(open_node: Node) -> None:
    bus, _ = await open_node()
    await watch(bus, "user:1")
    first = await bus.publish(["user:1"], "update", "0")
    # Redis trims whole stream nodes (`MAXLEN ~`), so go well past the cap.
    for n in range(BUS_SIZES["per_topic"] + 300):
        await bus.publish(["user:1"], "update", str(n + 1))
    assert await bus.replay("user:1", first) is None


async def test_replay_resets_when_the_payloads_were_trimmed_globally(open_node: Node) -> None:
    bus, _ = await open_node()
    await watch(bus, "quiet", "busy")
    first = await bus.publish(["quiet"], "update", "0")
    second = await bus.publish(["quiet"], "update", "1")
    for n in range(BUS_SIZES["history"] + 300):
        await bus.publish(["busy"], "update", str(n))
    assert await bus.replay("quiet", first) is None
    assert await bus.replay("quiet", second) == []  # nothing after it, nothing lost


async def test_replay_of_a_foreign_or_malformed_position_resets(open_node: Node) -> None:
    bus, _ = await open_node()
    await watch(bus, "user:1")
    await bus.publish(["user:1"], "update", "0")
    assert await bus.replay("user:1", "not-a-position") is None
    assert await bus.replay("user:1", "1-1") is None  # from long before this history
    assert await bus.replay("user:1", "99999999999999-0") is None  # from the future


async def test_payloads_round_trip_unchanged(open_node: Node) -> None:
    bus, seen = await open_node()
    await bus.listen("t")
    payload = '{"content":"<p>h\\u00e9llo 👋 \\n line</p>","x":"a\nb"}'
    position = await bus.publish(["t"], "update", payload)
    (message,) = await arrived(seen, 1)
    assert message.payload == payload
    replayed = await bus.replay("t", "0-0") if position.startswith("0") else None
    assert replayed is None or replayed[0].payload == payload


async def test_a_publish_once_key_lets_only_the_first_copy_through(open_node: Node) -> None:
    bus, seen = await open_node()
    await watch(bus, "user:2")
    await bus.listen("user:1")
    first = await bus.publish(["user:1"], "update", '"fast"', once="status.created:7")
    again = await bus.publish(["user:1", "user:2"], "update", '"outbox"', once="status.created:7")
    other = await bus.publish(["user:1"], "update", '"another"', once="status.created:8")
    plain = await bus.publish(["user:1"], "update", '"no key"')
    messages = await arrived(seen, 3)
    await asyncio.sleep(0.1)  # the repeat may not trickle in late
    assert again == first
    assert [(m.position, m.payload) for m in seen.messages] == [
        (first, '"fast"'),
        (other, '"another"'),
        (plain, '"no key"'),
    ]
    assert len(messages) == 3
    replayed = await bus.replay("user:2", first)
    assert replayed == []  # the dropped copy was not kept either
    missed = await bus.replay("user:1", first)
    assert missed is not None and [m.payload for m in missed] == ['"another"', '"no key"']


async def test_history_is_kept_for_watched_topics_only(open_node: Node) -> None:
    """A follower who never connected costs no history; one who dropped gets what they missed."""
    bus, _ = await open_node()
    before = await bus.publish(["user:7"], "update", '"nobody watching"')
    last_unwatched = await bus.publish(["user:7"], "update", '"nobody watching either"')
    assert await bus.replay("user:7", before) is None  # not kept: reset, never a silent gap
    await bus.listen("user:7")
    watched = await bus.publish(["user:7"], "update", '"seen live"')
    assert await bus.replay("user:7", before) is None  # from before the watch began
    replayed = await bus.replay("user:7", last_unwatched)  # the last position before it: whole
    assert replayed is not None and [m.position for m in replayed] == [watched]
    await bus.unlisten("user:7")  # the client drops; the topic stays watched for a while
    missed = [await bus.publish(["user:7", "user:8"], "update", f'"missed {n}"') for n in range(2)]
    replayed = await bus.replay("user:7", watched)
    assert replayed is not None
    assert [(m.position, m.payload) for m in replayed] == [
        (missed[0], '"missed 0"'),
        (missed[1], '"missed 1"'),
    ]
    assert await bus.replay("user:8", watched) is None  # published to, but never watched


async def test_a_watch_is_shared_by_every_node(open_node: Node, bus_url: str) -> None:
    if bus_url.startswith("memory"):
        return  # one node by definition
    a, _ = await open_node()
    b, _ = await open_node()
    await a.listen("user:9")
    position = await b.publish(["user:9"], "update", '"first"')
    await a.unlisten("user:9")
    later = await b.publish(["user:9"], "update", '"second"')
    replayed = await b.replay("user:9", position)
    assert replayed is not None and [m.position for m in replayed] == [later]


async def test_a_running_bus_is_reachable(open_node: Node) -> None:
    bus, _ = await open_node()
    assert await bus.reachable()
