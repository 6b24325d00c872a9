"""The hub on the in-process bus, with recording outlets: one publish to many topics."""

from __future__ import annotations

import orjson

from chirp.bus import open_bus
from chirp.core.ports.bus import RESET, Message
from chirp.core.topics import user
from chirp.realtime.hub import Format, Hub
from chirp.realtime.subscriptions import StreamRequest
from tests.bus.conftest import watch


class RecordingOutlet:
    def __init__(self, fmt: Format = "ws", limit: int = 100) -> None:
        self.format: Format = fmt
        self.limit = limit
        self.frames: list[bytes] = []
        self.closed: tuple[int, str] | None = None

    def push(self, frame: bytes) -> bool:
        if len(self.frames) >= self.limit:
            return False
        self.frames.append(frame)
        return True

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


async def test_one_publish_reaches_every_subscription_of_its_topics_once() -> None:
    bus = open_bus("memory://", history=100, per_topic=10)
    hub = Hub(bus)
    await bus.start(hub.deliver)
    home = [RecordingOutlet() for _ in range(50)]
    for n, outlet in enumerate(home):
        await hub.connect(outlet)
        await hub.subscribe(outlet, StreamRequest(user(n), ("user",)))
    notes, sse = RecordingOutlet(), RecordingOutlet("sse")
    for outlet in (notes, sse):
        await hub.connect(outlet)
    await hub.subscribe(
        notes, StreamRequest(user(0), ("user:notification",), frozenset({"notification"}))
    )
    await hub.subscribe(sse, StreamRequest(user(1), ("user",)))

    topics = [user(n) for n in range(100)]
    position = await bus.publish([*topics, *topics[:10]], "update", '{"id":"1"}')

    assert all(len(outlet.frames) == 1 for outlet in home)
    assert home[0].frames[0] is home[49].frames[0]  # encoded once, the same bytes everywhere
    assert orjson.loads(home[0].frames[0]) == {
        "stream": ["user"],
        "event": "update",
        "payload": '{"id":"1"}',
        "id": position,
    }
    assert notes.frames == []  # a notification-only subscription skips `update`
    assert sse.frames == [f'id: {position}\nevent: update\ndata: {{"id":"1"}}\n\n'.encode()]
    assert hub.delivered == 51


async def test_a_full_outlet_is_closed_as_too_slow_and_the_others_still_get_the_frame() -> None:
    bus = open_bus("memory://", history=100, per_topic=10)
    hub = Hub(bus)
    await bus.start(hub.deliver)
    slow, fine = RecordingOutlet(limit=1), RecordingOutlet()
    for n, outlet in enumerate((slow, fine)):
        await hub.connect(outlet)
        await hub.subscribe(outlet, StreamRequest(user(n), ("user",)))
    await bus.publish([user(0), user(1)], "update", '"a"')
    await bus.publish([user(0), user(1)], "update", '"b"')
    assert slow.closed is not None and slow.closed[0] == 1013
    assert [orjson.loads(f)["payload"] for f in fine.frames] == ['"a"', '"b"']
    assert hub.dropped_slow == 1


async def test_replay_then_live_without_gaps_or_doubles() -> None:
    bus = open_bus("memory://", history=100, per_topic=10)
    hub = Hub(bus)
    await bus.start(hub.deliver)
    await watch(bus, user(1))  # the client was here before
    first = await bus.publish([user(1), user(2)], "update", '"1"')
    await bus.publish([user(1), user(2)], "update", '"2"')
    outlet = RecordingOutlet()
    await hub.connect(outlet)
    await hub.subscribe(outlet, StreamRequest(user(1), ("user",)), since=first)
    await bus.publish([user(1), user(2)], "update", '"3"')
    assert [orjson.loads(f)["payload"] for f in outlet.frames] == ['"2"', '"3"']


async def test_a_reset_from_the_bus_reaches_every_subscription_of_its_topics_whatever_events() -> (
    None
):
    bus = open_bus("memory://", history=100, per_topic=10)
    hub = Hub(bus)
    await bus.start(hub.deliver)
    home, notes, other = RecordingOutlet(), RecordingOutlet(), RecordingOutlet()
    for outlet in (home, notes, other):
        await hub.connect(outlet)
    await hub.subscribe(home, StreamRequest(user(1), ("user",)))
    await hub.subscribe(
        notes, StreamRequest(user(1), ("user:notification",), frozenset({"notification"}))
    )
    await hub.subscribe(other, StreamRequest(user(2), ("user",)))
    await bus.publish([user(1)], "update", '"a"')
    # What the Redis bus hands on when it cannot know what a topic missed while away.
    hub.deliver([user(1)], Message("", RESET, "{}"))
    later = await bus.publish([user(1)], "update", '"b"')
    assert [orjson.loads(f)["event"] for f in home.frames] == ["update", RESET, "update"]
    assert orjson.loads(home.frames[-1])["id"] == later
    assert [orjson.loads(f)["event"] for f in notes.frames] == [RESET]
    assert other.frames == []


async def test_an_event_published_again_under_its_once_key_is_not_delivered_twice() -> None:
    """Redis restarted empty between a tweet's two pushes (a batch the outbox ran again): the
    bus forgot the key and lets the second copy out at another position; sockets that had the
    first do not get it again, sockets that came later do."""
    bus = open_bus("memory://", history=100, per_topic=10)
    hub = Hub(bus)
    await bus.start(hub.deliver)
    early, late = RecordingOutlet(), RecordingOutlet()
    await hub.connect(early)
    await hub.subscribe(early, StreamRequest(user(1), ("user",)))
    await bus.listen(user(1))
    hub.deliver([user(1)], Message("1-1", "update", '"t"', "status.created:9"))
    hub.deliver([user(1)], Message("1-1", "update", '"t"', "status.created:9"))  # same copy
    await hub.connect(late)
    await hub.subscribe(late, StreamRequest(user(1), ("user",)))
    hub.deliver([user(1)], Message("2-1", "update", '"t"', "status.created:9"))
    assert len(early.frames) == 1
    assert [orjson.loads(f)["id"] for f in late.frames] == ["2-1"]


async def test_a_stream_on_several_lost_topics_is_reset_once() -> None:
    bus = open_bus("memory://", history=100, per_topic=10)
    hub = Hub(bus)
    await bus.start(hub.deliver)
    outlet = RecordingOutlet()
    await hub.connect(outlet)
    # A `user` stream: its account's topic and, under the same label, the announcements'.
    await hub.subscribe(outlet, StreamRequest(user(1), ("user",)))
    await hub.subscribe(outlet, StreamRequest("announcements", ("user",)))
    hub.deliver([user(1), "announcements"], Message("", RESET, "{}"))
    assert [orjson.loads(f)["event"] for f in outlet.frames] == [RESET]


async def test_a_watcher_is_called_with_its_events_and_shares_the_topic_with_sockets() -> None:
    """Internal control (the relay's `stream.ending`) is a call on this node, not a frame a fake
    socket parses back; the topic stays listened to while a watcher or a socket needs it."""
    bus = open_bus("memory://", history=100, per_topic=10)
    hub = Hub(bus)
    await bus.start(hub.deliver)
    calls: list[tuple[str, str, str]] = []

    def watcher(topic: str, message: Message) -> None:
        calls.append((topic, message.event, message.payload))

    viewer = RecordingOutlet()
    await hub.connect(viewer)
    request = StreamRequest("live:7", ("chirp:live", "7"), frozenset({"stream.chat"}))
    await hub.subscribe(viewer, request)
    await hub.watch("live:7", frozenset({"stream.ending"}), watcher)
    await bus.publish(["live:7"], "stream.ending", "7")
    await bus.publish(["live:7"], "stream.chat", '{"text": "hi"}')
    assert calls == [("live:7", "stream.ending", "7")]
    assert [orjson.loads(f)["event"] for f in viewer.frames] == ["stream.chat"]
    await hub.unsubscribe(viewer, request)  # the watcher still needs the topic
    await bus.publish(["live:7"], "stream.ending", "7")
    assert len(calls) == 2
    await hub.unwatch("live:7", watcher)
    await bus.publish(["live:7"], "stream.ending", "7")
    assert len(calls) == 2
