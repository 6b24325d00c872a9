"""The wire protocol of the Mastodon streaming API: per-socket bounded frame queues and how
frames reach the socket (websocket text frames written straight to the transport, or a writer
task; server-sent events). What a frame says is the hub's (`chirp.realtime.hub.encode`); who
gets it, the audience's; this module only moves bytes.
"""

from __future__ import annotations

import asyncio
import functools
import struct
from collections import deque

from aiohttp import WSMsgType, web

from chirp.realtime.hub import Format


class SocketOutlet:
    """A bounded frame queue drained by one writer coroutine per connection."""

    # Slots: a tweet to 5,000 sockets reads these attributes tens of thousands of times.
    __slots__ = (
        "_flush_due",
        "closing",
        "flusher",
        "format",
        "limit",
        "loop",
        "queue",
        "ready",
        "transport",
        "writing",
        "ws",
    )

    format: Format

    def __init__(
        self,
        fmt: Format,
        limit: int,
        flusher: Flusher,
        ws: web.WebSocketResponse | None = None,
        transport: asyncio.Transport | None = None,
    ) -> None:
        self.format = fmt
        self.flusher = flusher
        self.limit = limit
        self.queue: deque[bytes] = deque()
        self.ready = asyncio.Event()
        self.closing: tuple[int, str] | None = None
        # Websockets only: frames pushed in one loop iteration are written by one callback, with
        # no task switch, while the socket keeps up; the writer task takes over when it backs up.
        self.ws = ws
        self.transport = transport  # uvloop's transports are not asyncio.Transport subclasses
        self.writing = False
        self._flush_due = False
        # Looked up once: `get_running_loop` costs a getpid() system call on Python 3.11.
        self.loop = asyncio.get_running_loop()

    def push(self, frame: bytes) -> bool:
        if self.closing is not None:
            return True  # being closed anyway; drop quietly
        queue = self.queue
        if len(queue) >= self.limit:
            return False
        queue.append(frame)
        if self.writing or self.transport is None:
            self.ready.set()
        elif not self._flush_due:
            self._flush_due = True
            self.flusher.soon(self)
        return True

    def flush(self) -> None:
        self._flush_due = False
        transport = self.transport
        if self.writing or self.closing is not None or transport is None:
            return
        if transport.is_closing() or (self.ws is not None and self.ws.closed):
            return  # no data frames after a close frame
        if transport.get_write_buffer_size():
            self.ready.set()  # backed up: the writer task waits for the socket to drain
            return
        queue = self.queue
        if len(queue) == 1:
            transport.write(ws_text_frame(queue.popleft()))
        elif queue:  # several frames since the last flush: one system call
            transport.write(b"".join([ws_text_frame(frame) for frame in queue]))
            queue.clear()

    def close(self, code: int, reason: str) -> None:
        if self.closing is None:
            self.closing = (code, reason)
            self.ready.set()


FLUSH_SLICE = 256


class Flusher:
    """The outlets with frames to write, on one event loop (one per app: `keys.FLUSHER`): one
    callback flushes them (a callback per socket per frame was a measurable cost at thousands
    of sockets), a slice at a time, so that what else is ready (requests, SQLite threads
    handing results back) runs between the slices of a tweet's writes to thousands of sockets
    instead of waiting for all of them."""

    def __init__(self) -> None:
        self._due: deque[SocketOutlet] = deque()
        self._scheduled = False

    def soon(self, outlet: SocketOutlet) -> None:
        self._due.append(outlet)
        if not self._scheduled:
            self._scheduled = True
            outlet.loop.call_soon(self._flush, outlet.loop)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        due = self._due
        for _ in range(min(len(due), FLUSH_SLICE)):
            due.popleft().flush()
        if due:
            loop.call_soon(self._flush, loop)
        else:
            self._scheduled = False


@functools.lru_cache(maxsize=8)
def ws_text_frame(payload: bytes) -> bytes:
    """An unmasked final text frame (RFC 6455 5.2); cached, as every socket gets the same bytes."""
    size = len(payload)
    if size < 126:
        return struct.pack("!BB", 0x81, size) + payload
    if size < 65536:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


async def write_ws(ws: web.WebSocketResponse, outlet: SocketOutlet) -> None:
    """A websocket's writer task, for when the socket backs up (or is closed)."""
    try:
        while True:
            await outlet.ready.wait()
            outlet.ready.clear()
            outlet.writing = True
            while outlet.queue and outlet.closing is None:
                await ws.send_frame(outlet.queue.popleft(), WSMsgType.TEXT)
            outlet.writing = False
            if outlet.closing is not None:
                code, reason = outlet.closing
                await ws.close(code=code, message=reason.encode())
                return
    except (ConnectionError, RuntimeError):
        return  # the peer went away; the reader side cleans up


async def write_sse(response: web.StreamResponse, outlet: SocketOutlet, heartbeat: float) -> None:
    """An SSE stream's writer: frames as they come, a comment line as a heartbeat."""
    try:
        while True:
            try:
                async with asyncio.timeout(heartbeat):
                    await outlet.ready.wait()
            except TimeoutError:
                await response.write(b":thump\n")
                continue
            outlet.ready.clear()
            if outlet.closing is not None:
                return
            while outlet.queue:
                await response.write(outlet.queue.popleft())
    except (ConnectionError, RuntimeError):
        return
