"""In-process bus: the embedded default. One node, so publishing is delivering.

History is a ring buffer of the last `history` kept messages plus, per watched topic (see
`chirp.core.ports.bus`), the sequences it received (the last `per_topic` + 1: a full index has dropped
older ones), so replay is a short scan. Positions are `<boot ms>-<sequence>`: after a restart
old positions belong to another epoch and replay answers "reset". A publish to many topics is
delivered in one call, as one `Message`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

from chirp.core.ports.bus import ONCE_SECONDS, WATCH_SECONDS, Deliver, Message, position_key


class MemoryBus:
    def __init__(self, *, history: int = 10_000, per_topic: int = 500) -> None:
        self._epoch = time.time_ns() // 1_000_000
        self._sequence = 0
        self._history = history
        self._per_topic = per_topic
        # position -> (event, payload, once); insertion-ordered, oldest evicted first.
        self._kept: dict[int, tuple[str, str, str]] = {}
        self._topic_positions: dict[str, deque[int]] = {}
        # Topics whose index was dropped (all of it evicted from the ring): their last sequence,
        # oldest drop first. Bounded too: a replay from before the drops it forgot resets.
        self._topic_evicted: dict[str, int] = {}
        self._forgotten_upto = 0
        self._evicted_upto = 0
        self._listened: set[str] = set()
        # Watched topic -> the sequence after which its index is complete; and the watches with
        # no listener left -> when they end (monotonic), oldest first.
        self._watched: dict[str, int] = {}
        self._unwatching: dict[str, float] = {}
        # `once` key -> (monotonic time, position) of its first publish, oldest first.
        self._once: dict[str, tuple[float, str]] = {}
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def publish(
        self,
        topics: Sequence[str],
        event: str,
        payload: str,
        *,
        keep: bool = True,
        once: str | None = None,
    ) -> str:
        if once is not None:
            now = time.monotonic()
            first = self._once.get(once)
            if first is not None and now - first[0] < ONCE_SECONDS:
                return first[1]
        position = ""
        if keep:
            self._end_watches()
            self._sequence += 1
            position = f"{self._epoch}-{self._sequence}"
            self._keep(self._sequence, topics, event, payload, once or "")
        if once is not None:
            self._remember_once(once, now, position)
        if self._deliver is not None:
            listened = self._listened.intersection(topics)
            if listened:
                self._deliver(listened, Message(position, event, payload, once or ""))
        return position

    def _remember_once(self, key: str, now: float, position: str) -> None:
        once = self._once
        once.pop(key, None)
        once[key] = (now, position)
        # Oldest first: drop keys past their time, and keep at most `history` of them.
        while once:
            oldest = next(iter(once))
            if len(once) <= self._history and now - once[oldest][0] < ONCE_SECONDS:
                break
            del once[oldest]

    def _keep(
        self, sequence: int, topics: Sequence[str], event: str, payload: str, once: str
    ) -> None:
        self._kept[sequence] = (event, payload, once)
        while len(self._kept) > self._history:
            oldest = next(iter(self._kept))
            del self._kept[oldest]
            self._evicted_upto = oldest
        positions, cap = self._topic_positions, self._per_topic + 1
        # The watched ones, picked in C: a tweet's topics are its author's thousand followers.
        for topic in self._watched.keys() & topics:
            index = positions.get(topic)
            if index is None:
                index = positions[topic] = deque(maxlen=cap)
            index.append(sequence)
        # Drop the indexes of topics whose whole history has been evicted from the ring.
        if len(positions) > 4 * self._history:
            evicted = self._topic_evicted
            for topic in [t for t, idx in positions.items() if idx[-1] <= self._evicted_upto]:
                evicted.pop(topic, None)  # re-inserted: the newest drop
                evicted[topic] = positions.pop(topic)[-1]
            while len(evicted) > 16 * self._history:
                forgotten = next(iter(evicted))
                self._forgotten_upto = max(self._forgotten_upto, evicted.pop(forgotten))

    async def listen(self, topic: str) -> None:
        self._listened.add(topic)
        self._unwatching.pop(topic, None)
        if topic not in self._watched:
            self._end_watches()
            self._watched[topic] = self._sequence
            self._topic_positions.pop(topic, None)  # from an earlier watch: not to be trusted

    async def unlisten(self, topic: str) -> None:
        if topic in self._listened:
            self._listened.discard(topic)
            self._unwatching[topic] = time.monotonic() + WATCH_SECONDS

    def _end_watches(self) -> None:
        unwatching, now = self._unwatching, time.monotonic()
        while unwatching:
            topic = next(iter(unwatching))
            if unwatching[topic] > now:
                break
            del unwatching[topic]
            self._watched.pop(topic, None)
            self._topic_positions.pop(topic, None)

    async def replay(self, topic: str, after: str) -> list[Message] | None:
        epoch, sequence = position_key(after)
        if epoch != self._epoch or sequence > self._sequence:
            return None  # a position from before a restart, or not ours
        self._end_watches()
        since = self._watched.get(topic)
        if since is None or sequence < since:
            return None  # not kept then: nobody was watching the topic
        if sequence < max(self._topic_evicted.get(topic, 0), self._forgotten_upto):
            return None  # the topic's index was dropped after the ring had evicted all of it
        index = self._topic_positions.get(topic) or deque()
        if len(index) > self._per_topic and sequence < index[0]:
            return None  # a full index has dropped older entries: it no longer reaches back
        missed = []
        for kept in reversed(index):
            if kept <= sequence:
                break
            missed.append(kept)
        out = []
        for kept in reversed(missed):
            found = self._kept.get(kept)
            if found is None:
                return None  # evicted from the ring
            out.append(Message(f"{self._epoch}-{kept}", *found))
        return out

    async def reachable(self) -> bool:
        return True

    async def close(self) -> None:
        self._deliver = None
        self._listened.clear()
