"""Low-Latency HLS between nodes: the relaying node sends each rendition's new state on the
bus (`stream.parts` on `lowlatency:<stream>`, not kept: only the newest matters), and a node
whose viewers ask for a stream it does not relay listens there while they do
(`chirp.video.origin.Origin`'s `broadcast`, `watch` and `unwatch`)."""

from __future__ import annotations

import asyncio
import logging

import orjson

from chirp.core.ports.bus import EventBus
from chirp.realtime.hub import Format, Hub
from chirp.realtime.publish import publish_best_effort
from chirp.realtime.subscriptions import StreamRequest
from chirp.video.llhls import Rendition
from chirp.video.origin import Origin

log = logging.getLogger(__name__)

EVENT = "stream.parts"


def topic(stream_id: int) -> str:
    return f"lowlatency:{stream_id}"


class PartsBus:
    def __init__(self, hub: Hub, bus: EventBus) -> None:
        self.hub, self.bus = hub, bus
        self.outlet = _PartsOutlet()
        self._watched: set[int] = set()
        self._lock = asyncio.Lock()

    def attach(self, origin: Origin) -> None:
        self.outlet.origin = origin

    async def broadcast(self, rendition: Rendition) -> None:
        payload = orjson.dumps(rendition.to_json()).decode()
        await publish_best_effort(
            self.bus, [topic(rendition.stream_id)], EVENT, payload, keep=False
        )

    @staticmethod
    def _request(stream_id: int) -> StreamRequest:
        return StreamRequest(topic(stream_id), ("chirp:parts", str(stream_id)), frozenset({EVENT}))

    async def watch(self, stream_id: int) -> None:
        async with self._lock:
            if stream_id in self._watched:
                return
            if not self._watched:
                await self.hub.connect(self.outlet)
            self._watched.add(stream_id)
            await self.hub.subscribe(self.outlet, self._request(stream_id))

    async def unwatch(self, stream_id: int) -> None:
        async with self._lock:
            if stream_id not in self._watched:
                return
            self._watched.discard(stream_id)
            await self.hub.unsubscribe(self.outlet, self._request(stream_id))
            if not self._watched:
                await self.hub.disconnect(self.outlet)

    async def close(self) -> None:
        async with self._lock:
            if self._watched:
                await self.hub.disconnect(self.outlet)
            self._watched.clear()


class _PartsOutlet:
    """Stands for the origin among the hub's connections."""

    format: Format = "ws"

    def __init__(self) -> None:
        self.origin: Origin | None = None

    def push(self, frame: bytes) -> bool:
        if self.origin is None:
            return True
        try:
            message = orjson.loads(frame)
            if message.get("event") == EVENT:
                self.origin.heard(Rendition.from_json(orjson.loads(message["payload"])))
        except (ValueError, KeyError, TypeError):
            log.warning("a low-latency state could not be read; skipped")
        return True

    def close(self, code: int, reason: str) -> None:
        pass
