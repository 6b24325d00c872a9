"""Chirp's Low-Latency HLS origin: what every node knows of the low-latency renditions, and the
blocking playlist reloads and preload-hint requests it answers from that.

The node relaying a stream hands each new state to `publish` (the `PartSink` of its
`PartWriter`s); `broadcast` sends it on to the other nodes (the bus), whose `heard` takes it. A
node asked for a stream it has not heard of yet calls `watch` (listen on the bus) and waits
for the next state, at most a part or two away; it stops listening once nobody asked for
`IDLE_SECONDS`. Part bytes come from the blob store, kept a little while in memory (the
relaying node keeps those it wrote).
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable

from chirp.core.ports.blobs import BlobStore
from chirp.video.llhls import Rendition

IDLE_SECONDS = 60.0
FIRST_STATE_SECONDS = 3.0  # how long a node waits to hear of a stream it just started watching
CACHE_BYTES = 64 << 20


class NotLowLatency(LookupError):
    """No such low-latency stream or rendition (not live, or not relayed with parts)."""


class Origin:
    def __init__(
        self,
        blobs: BlobStore,
        *,
        broadcast: Callable[[Rendition], Awaitable[None]] | None = None,
        watch: Callable[[int], Awaitable[None]] | None = None,
        unwatch: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.blobs = blobs
        self.broadcast, self.watch, self.unwatch = broadcast, watch, unwatch
        self._renditions: dict[int, dict[str, Rendition]] = {}
        self._changed: dict[int, asyncio.Event] = {}
        self._asked: dict[int, float] = {}  # streams watched on the bus, by last request
        self._local: set[int] = set()  # relayed here: never unwatched, never stale
        self._cache: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._cached_bytes = 0

    # -- states in -----------------------------------------------------------------------------

    async def publish(self, rendition: Rendition, fresh: dict[str, bytes]) -> None:
        """From this node's relay (`PartSink`)."""
        self._local.add(rendition.stream_id)
        for uri, data in fresh.items():
            self._keep(self._cache_key(rendition, uri), data)
        self.heard(rendition)
        if self.broadcast is not None:
            await self.broadcast(rendition)

    def heard(self, rendition: Rendition) -> None:
        """A state, from this node or another; older ones than what we have are dropped."""
        renditions = self._renditions.setdefault(rendition.stream_id, {})
        known = renditions.get(rendition.rung)
        if known is not None and known.version >= rendition.version and known is not rendition:
            return
        renditions[rendition.rung] = rendition
        event = self._changed.pop(rendition.stream_id, None)
        if event is not None:
            event.set()

    def forget(self, stream_id: int) -> None:
        """The relay is done with a stream (its last state, ENDLIST, went out before): kept
        for players to see the end, then dropped once nobody asked for IDLE_SECONDS."""
        self._local.discard(stream_id)
        self._asked.setdefault(stream_id, time.monotonic())

    # -- requests ------------------------------------------------------------------------------

    def _changed_event(self, stream_id: int) -> asyncio.Event:
        return self._changed.setdefault(stream_id, asyncio.Event())

    async def renditions(self, stream_id: int) -> dict[str, Rendition]:
        """Every rendition of a stream, once this node hears of it; NotLowLatency if none."""
        await self._ask(stream_id)
        known = self._renditions.get(stream_id)
        if not known:
            deadline = time.monotonic() + FIRST_STATE_SECONDS
            while not self._renditions.get(stream_id) and time.monotonic() < deadline:
                event = self._changed_event(stream_id)
                try:
                    async with asyncio.timeout(deadline - time.monotonic()):
                        await event.wait()
                except TimeoutError:
                    break
            known = self._renditions.get(stream_id)
        if not known:
            raise NotLowLatency(stream_id)
        return known

    async def rendition(
        self, stream_id: int, rung: str, msn: int | None = None, part: int | None = None
    ) -> Rendition:
        """The rung's state; with `msn` (and `part`), once it holds that segment (part), at
        most three target durations (RFC 8216bis §6.2.5.2). TimeoutError past that."""
        renditions = await self.renditions(stream_id)
        if rung not in renditions:
            raise NotLowLatency(rung)
        current = renditions[rung]
        if msn is None:
            return current
        deadline = time.monotonic() + 3 * current.target
        while True:
            current = self._renditions[stream_id][rung]
            if current.ended or current.has(msn, part):
                return current
            event = self._changed_event(stream_id)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                await event.wait()

    async def read(self, rendition: Rendition, uri: str) -> bytes:
        key = self._cache_key(rendition, uri)
        data = self._cache.get(key)
        if data is not None:
            self._cache.move_to_end(key)
            return data
        data = await self.blobs.read(f"{rendition.prefix}/{rendition.rung}/{uri}")
        self._keep(key, data)
        return data

    # -- bookkeeping ---------------------------------------------------------------------------

    async def _ask(self, stream_id: int) -> None:
        now = time.monotonic()
        first = stream_id not in self._asked
        self._asked[stream_id] = now
        if first and stream_id not in self._local and self.watch is not None:
            await self.watch(stream_id)
        for other, when in list(self._asked.items()):
            if now - when > IDLE_SECONDS and other != stream_id:
                del self._asked[other]
                if other not in self._local:
                    self._renditions.pop(other, None)
                    if self.unwatch is not None:
                        await self.unwatch(other)

    @staticmethod
    def _cache_key(rendition: Rendition, uri: str) -> str:
        return f"{rendition.stream_id}/{rendition.rung}/{uri}"

    def _keep(self, key: str, data: bytes) -> None:
        if key in self._cache:
            return
        self._cache[key] = data
        self._cached_bytes += len(data)
        while self._cached_bytes > CACHE_BYTES and self._cache:
            _, gone = self._cache.popitem(last=False)
            self._cached_bytes -= len(gone)
