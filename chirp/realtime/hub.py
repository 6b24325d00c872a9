"""The node-local hub: which of this node's sockets want which topics, and handing them frames.

Each bus message is turned into wire bytes once per (format, stream label) and the same bytes
are queued on every socket that wants them. Queues are bounded: a socket that cannot keep up
is disconnected (its client reconnects and replays from its last position) instead of
buffering without end or slowing everyone else down. The hub listens to a bus topic exactly
while one of its subscriptions needs it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

import orjson

from chirp.core.filter_matching import EMPTY, FilterSet, filters_from_wire, hides
from chirp.core.ports.bus import RESET, EventBus, Message, position_key
from chirp.core.topics import FILTERS, REVOKED, SHUNNING, shunning
from chirp.realtime import involved as involvement
from chirp.realtime.subscriptions import StreamRequest
from chirp.serializers.filters import filter_result_json

log = logging.getLogger(__name__)

Format = Literal["ws", "sse"]
# An internal listener of a topic (`Hub.watch`): called with the topic and the message, no
# frame made.
Watcher = Callable[[str, Message], None]
# `once` keys of messages delivered here lately, to know a repeat (see `Hub.deliver`).
ONCE_MEMORY = 50_000


class Outlet(Protocol):
    """One client connection, as the hub sees it (implemented by the streaming handlers)."""

    format: Format

    def push(self, frame: bytes) -> bool:
        """Queue a frame; False when the queue is full."""

    def close(self, code: int, reason: str) -> None:
        """Close soon (from sync code): 1013 slow consumer, 1008 revoked, 1001 going away."""


def encode(fmt: Format, label: tuple[str, ...], message: Message) -> bytes:
    if fmt == "ws":
        frame: dict[str, object] = {
            "stream": list(label),
            "event": message.event,
            "payload": message.payload,
        }
        if message.position:
            frame["id"] = message.position
        return orjson.dumps(frame)
    data = message.payload.replace("\n", "\ndata: ")
    head = f"id: {message.position}\n" if message.position else ""
    return f"{head}event: {message.event}\ndata: {data}\n\n".encode()


@dataclass(slots=True)
class Viewer:
    """Whose connection it is, and whose tweets it drops (blocks both ways, mutes): loaded
    when it connects, replaced when one of them changes (`topics.SHUNNING`)."""

    account_id: int | None = None
    hidden: frozenset[int] = frozenset()
    # Its content filters, compiled (`topics.FILTERS` replaces them when they change).
    filters: FilterSet = field(default_factory=lambda: EMPTY)


@dataclass(eq=False, slots=True)
class Subscription:
    outlet: Outlet
    stream: StreamRequest
    viewer: Viewer = field(default_factory=Viewer)
    last: tuple[int, int] = (-1, -1)
    # While a replay is running, live messages wait here so none is lost or doubled.
    held: list[Message] | None = None
    # The hub's `once` generation when it subscribed (which first copies it was there for).
    joined: int = 0
    # Which encoding of a message this subscription gets (frames are encoded once per key).
    frame_key: tuple[Format, tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.frame_key = (self.outlet.format, self.stream.label)


Frames = dict[tuple[Format, tuple[str, ...]], bytes]


def stream_filter_context(label: tuple[str, ...]) -> str | None:
    """The filter context of a Mastodon stream: home for `user` and `list`, public for the
    public and hashtag streams (notifications are filtered when rendered per recipient)."""
    name = label[0] if label else ""
    if name in ("user", "list"):
        return "home"
    if name.startswith(("public", "hashtag")):
        return "public"
    return None


@dataclass(slots=True)
class _Connection:
    subscriptions: list[Subscription] = field(default_factory=list)
    control_topic: str | None = None
    viewer: Viewer = field(default_factory=Viewer)


class Hub:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._by_topic: dict[str, list[Subscription]] = {}
        self._controls: dict[str, set[Outlet]] = {}
        self._connections: dict[Outlet, _Connection] = {}
        self._topic_locks: dict[str, asyncio.Lock] = {}
        self.delivered = 0
        self.dropped_slow = 0
        # The frames of the last message, per encoding: a message the bus hands over topic by
        # topic (Redis: one pub/sub message per topic) is still encoded once.
        self._frames_of: tuple[str, str, str] | None = None
        self._frames: Frames = {}
        # The last message without its involved accounts, and those (`chirp.realtime.involved`).
        self._clean: Message = Message("", "", "")
        self._involved: tuple[int, ...] = ()
        self._subject: involvement.Subject | None = None
        # `shunning:<account>` -> the connections of that account on this node.
        self._viewers: dict[str, set[Outlet]] = {}
        # `once` key -> (position, generation) of the first copy delivered here, oldest first.
        self._once_seen: dict[str, tuple[str, int]] = {}
        self._generation = 0
        # Internal listeners (`watch`): topic -> {watcher: the events it takes}.
        self._watchers: dict[str, dict[Watcher, frozenset[str]]] = {}

    # -- connections ---------------------------------------------------------------------------

    async def connect(
        self, outlet: Outlet, control_topic: str | None = None, viewer: Viewer | None = None
    ) -> None:
        """Register a connection; `control_topic` (its token) can close it from any node;
        `viewer`: the signed-in account and whose tweets it drops (kept up to date)."""
        viewer = viewer or Viewer()
        self._connections[outlet] = _Connection(control_topic=control_topic, viewer=viewer)
        if control_topic is not None:
            first = control_topic not in self._controls
            self._controls.setdefault(control_topic, set()).add(outlet)
            if first:
                await self.bus.listen(control_topic)
        if viewer.account_id is not None:
            topic = shunning(viewer.account_id)
            first = topic not in self._viewers
            self._viewers.setdefault(topic, set()).add(outlet)
            if first:
                await self.bus.listen(topic)

    async def disconnect(self, outlet: Outlet) -> None:
        connection = self._connections.pop(outlet, None)
        if connection is None:
            return
        for subscription in list(connection.subscriptions):
            await self._remove(subscription)
        topic = connection.control_topic
        if topic is not None and topic in self._controls:
            self._controls[topic].discard(outlet)
            if not self._controls[topic]:
                del self._controls[topic]
                await self.bus.unlisten(topic)
        if connection.viewer.account_id is not None:
            topic = shunning(connection.viewer.account_id)
            if topic in self._viewers:
                self._viewers[topic].discard(outlet)
                if not self._viewers[topic]:
                    del self._viewers[topic]
                    await self.bus.unlisten(topic)

    def outlets(self) -> Iterable[Outlet]:
        return list(self._connections)

    def connections(self) -> Iterable[tuple[Outlet, list[Subscription]]]:
        """Each connection with its subscriptions (for the metrics sampler)."""
        return [(outlet, c.subscriptions) for outlet, c in self._connections.items()]

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    # -- subscriptions -------------------------------------------------------------------------

    async def subscribe(
        self, outlet: Outlet, stream: StreamRequest, since: str | None = None
    ) -> Subscription | None:
        """Start delivering `stream`; with `since`, first replay what came after it (or send a
        reset event when the history no longer reaches back). None if already subscribed."""
        connection = self._connections.get(outlet)
        if connection is None:
            return None
        if any(s.stream == stream for s in connection.subscriptions):
            return None
        subscription = Subscription(
            outlet,
            stream,
            viewer=connection.viewer,
            held=[] if since else None,
            joined=self._generation,
        )
        connection.subscriptions.append(subscription)
        async with self._topic_locks.setdefault(stream.topic, asyncio.Lock()):
            subscribers = self._by_topic.setdefault(stream.topic, [])
            subscribers.append(subscription)
            if len(subscribers) == 1 and stream.topic not in self._watchers:
                await self.bus.listen(stream.topic)
        if since:
            missed = await self.bus.replay(stream.topic, since)
            held, subscription.held = subscription.held or [], None
            if missed is None:
                self._send(subscription, Message("", RESET, "{}"), {})
            else:
                subscription.last = position_key(since)
                for message in missed:
                    self._offer_split(subscription, message)
            for message in held:
                self._offer_split(subscription, message)
        return subscription

    async def unsubscribe(self, outlet: Outlet, stream: StreamRequest) -> None:
        connection = self._connections.get(outlet)
        if connection is None:
            return
        for subscription in [s for s in connection.subscriptions if s.stream == stream]:
            await self._remove(subscription)

    async def _remove(self, subscription: Subscription) -> None:
        connection = self._connections.get(subscription.outlet)
        if connection is not None and subscription in connection.subscriptions:
            connection.subscriptions.remove(subscription)
        topic = subscription.stream.topic
        async with self._topic_locks.setdefault(topic, asyncio.Lock()):
            subscribers = self._by_topic.get(topic)
            if subscribers is None or subscription not in subscribers:
                return
            subscribers.remove(subscription)
            if not subscribers:
                del self._by_topic[topic]
                if topic not in self._watchers:
                    await self.bus.unlisten(topic)
                    self._topic_locks.pop(topic, None)

    # -- internal listeners -------------------------------------------------------------------

    async def watch(self, topic: str, events: frozenset[str], watcher: Watcher) -> None:
        """Call `watcher` with each message of these `events` on `topic` (this node's own
        control, as the relay's: a typed call, not a socket's frame parsed back)."""
        async with self._topic_locks.setdefault(topic, asyncio.Lock()):
            if topic not in self._by_topic and topic not in self._watchers:
                await self.bus.listen(topic)
            self._watchers.setdefault(topic, {})[watcher] = events

    async def unwatch(self, topic: str, watcher: Watcher) -> None:
        async with self._topic_locks.setdefault(topic, asyncio.Lock()):
            watchers = self._watchers.get(topic)
            if watchers is None or watchers.pop(watcher, None) is None:
                return
            if not watchers:
                del self._watchers[topic]
                if topic not in self._by_topic:
                    await self.bus.unlisten(topic)

    def _call_watchers(self, topics: Collection[str], message: Message) -> None:
        for topic in topics:
            for watcher, events in list(self._watchers.get(topic, {}).items()):
                if message.event in events:
                    watcher(topic, message)

    # -- delivery (the bus callback) -----------------------------------------------------------

    def deliver(self, topics: Collection[str], message: Message) -> None:
        """The bus callback: one call per message, for all of its topics this node listens to
        (a tweet to 5,000 followers: one call, a frame encoded once, a loop over sockets)."""
        if message.event == REVOKED:
            for topic in topics:
                for outlet in list(self._controls.get(topic, ())):
                    outlet.close(1008, "access token revoked")
            return
        if message.event == SHUNNING:
            self._viewer_changed(topics, message.payload)
            return
        if message.event == RESET:
            self._reset(topics, message)
            return
        if message.event == FILTERS:
            self._filters_changed(topics, message.payload)
            return
        if self._watchers:
            self._call_watchers(topics, message)
        encoded_from = (message.position, message.event, message.payload)
        if encoded_from != self._frames_of:
            self._frames_of, self._frames = encoded_from, {}
            involved, payload = involvement.split(message.payload)
            subject, payload = involvement.split_subject(payload)
            self._involved, self._subject = involved, subject
            self._clean = (
                message if payload == message.payload else replace(message, payload=payload)
            )
        frames = self._frames
        raw, involved, message = message, self._involved, self._clean
        subject = self._subject
        key = position_key(message.position) if message.position else None
        had_first = self._repeat_of(raw) if raw.once and raw.position else 0
        by_topic = self._by_topic
        for topic in topics:
            # No await below: the subscriber lists cannot change while they are walked.
            for subscription in by_topic.get(topic, ()):
                if subscription.joined < had_first:
                    continue  # it got the first copy
                if subscription.held is not None:
                    subscription.held.append(raw)
                else:
                    self._offer(subscription, message, frames, key, involved, subject)

    def _reset(self, topics: Collection[str], message: Message) -> None:
        """The bus lost these topics' history: each stream on them is told once (a `user`
        stream holds its account's topic and the announcements' under one label)."""
        told: set[tuple[Outlet, tuple[str, ...]]] = set()
        for topic in topics:
            for subscription in self._by_topic.get(topic, ()):
                subscription.last = (-1, -1)
                stream = (subscription.outlet, subscription.stream.label)
                if stream in told:
                    continue
                told.add(stream)
                if subscription.held is not None:
                    subscription.held.append(message)
                else:
                    self._offer(subscription, message, {})

    def _repeat_of(self, message: Message) -> int:
        """For a message published again under the same `once` key at another position (the
        bus forgot the key: Redis restarted empty between a batch's push and its retry), the generation of the first copy: subscriptions older than it had that one.
        0 for a first copy, or the same copy on another topic."""
        first = self._once_seen.get(message.once)
        if first is not None:
            return first[1] if first[0] != message.position else 0
        self._generation += 1
        self._once_seen[message.once] = (message.position, self._generation)
        if len(self._once_seen) > ONCE_MEMORY:
            del self._once_seen[next(iter(self._once_seen))]
        return 0

    def _viewer_changed(self, topics: Collection[str], payload: str) -> None:
        """An account's blocks or mutes changed: its connections here drop the new set."""
        hidden = frozenset(int(i) for i in payload.split(",") if i)
        for topic in topics:
            for outlet in self._viewers.get(topic, ()):
                connection = self._connections.get(outlet)
                if connection is not None:
                    # In place: its subscriptions hold the same `Viewer`.
                    connection.viewer.hidden = hidden

    def _filters_changed(self, topics: Collection[str], payload: str) -> None:
        """An account's content filters changed: compiled once, for its connections here."""
        compiled = FilterSet(filters_from_wire(orjson.loads(payload)))
        for topic in topics:
            for outlet in self._viewers.get(topic, ()):
                connection = self._connections.get(outlet)
                if connection is not None:
                    connection.viewer.filters = compiled

    def _offer_split(self, subscription: Subscription, message: Message) -> None:
        """A replayed or held message: its involved accounts split off here (live ones once
        per message in `deliver`)."""
        involved, payload = involvement.split(message.payload)
        subject, payload = involvement.split_subject(payload)
        if payload != message.payload:
            message = replace(message, payload=payload)
        self._offer(subscription, message, {}, None, involved, subject)

    def _offer(
        self,
        subscription: Subscription,
        message: Message,
        frames: Frames,
        key: tuple[int, int] | None = None,
        involved: tuple[int, ...] = (),
        subject: involvement.Subject | None = None,
    ) -> None:
        if message.event == RESET:  # the bus lost the topic's history: what follows is anew
            subscription.last = (-1, -1)
            self._send(subscription, message, frames)
            return
        events = subscription.stream.events
        if events is not None and message.event not in events:
            return
        viewer = subscription.viewer
        if viewer.hidden and involvement.hides(viewer.hidden, viewer.account_id, involved):
            return
        if (
            subject is not None
            and not viewer.filters.empty
            and involved[:1] != (viewer.account_id,)
        ):
            filtered = self._filtered(subscription, message, subject)
            if filtered is None:
                return  # a `hide` filter matched
            if filtered is not message:
                message, frames = filtered, {}  # this subscriber's own frame
        if message.position:
            if key is None:
                key = position_key(message.position)
            if key <= subscription.last:
                return  # already delivered (replay and live overlap)
            subscription.last = key
        self._send(subscription, message, frames)

    def _filtered(
        self, subscription: Subscription, message: Message, subject: involvement.Subject
    ) -> Message | None:
        """The message as this subscriber gets it under their content filters: None if a
        `hide` filter matches, with `filtered` results if another does, else unchanged."""
        context = stream_filter_context(subscription.stream.label)
        compiled = subscription.viewer.filters.context(context) if context else None
        if compiled is None:
            return message
        matches = compiled.match(subject.status_ids, subject.text, datetime.now(UTC))
        if not matches:
            return message
        if hides(matches):
            return None
        body = orjson.loads(message.payload)
        results = [filter_result_json(m) for m in matches]
        body["filtered"] = results
        if isinstance(body.get("reblog"), dict):
            body["reblog"]["filtered"] = results
        return replace(message, payload=orjson.dumps(body).decode())

    def _send(self, subscription: Subscription, message: Message, frames: Frames) -> None:
        frame = frames.get(subscription.frame_key)
        if frame is None:
            fmt, label = subscription.frame_key
            frame = frames[subscription.frame_key] = encode(fmt, label, message)
        outlet = subscription.outlet
        if outlet.push(frame):
            self.delivered += 1
        else:
            self.dropped_slow += 1
            log.info("closing slow stream consumer", extra={"topic": subscription.stream.topic})
            outlet.close(1013, "too slow: reconnect with your last event id")

    async def close_all(self, code: int, reason: str) -> None:
        for outlet in self.outlets():
            outlet.close(code, reason)
