"""A lean websocket client for bench/realtime.py: an asyncio protocol that counts frames.

Thousands of `websockets` clients in a few Python processes cost the load generator more CPU
than the server spends writing to them (each frame goes through a reader task, a queue and a
future), and on a 2-core machine that CPU is taken from the server under test. This client does
the least a real client must: the RFC 6455 opening handshake (with `Sec-WebSocket-Accept`
checked), then frame parsing straight from `data_received` (server frames are unmasked),
answering pings, noticing the close frame. Data frames are handed over as bytes, undecoded. Used for both servers, so the ratio stays comparable.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections.abc import Callable
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OnFrame = Callable[[bytearray], None]


class LeanClient(asyncio.Protocol):
    def __init__(self, request: bytes, key: bytes, on_frame: OnFrame) -> None:
        self.request = request
        self.accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        self.on_frame = on_frame
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed_by_server = False
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._upgraded = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end])
            del buffer[: end + 4]
            if not head.startswith(b"HTTP/1.1 101") or self.accept not in head:
                self.opened.set_exception(ConnectionError(head.split(b"\r\n", 1)[0].decode()))
                assert self.transport is not None
                self.transport.abort()
                return
            self._upgraded = True
            self.opened.set_result(None)
        self._frames(buffer)

    def _frames(self, buffer: bytearray) -> None:
        size = len(buffer)
        at = 0
        while size - at >= 2:
            opcode = buffer[at] & 0x0F
            length = buffer[at + 1] & 0x7F
            head = 2
            if length == 126:
                if size - at < 4:
                    break
                length = int.from_bytes(buffer[at + 2 : at + 4], "big")
                head = 4
            elif length == 127:
                if size - at < 10:
                    break
                length = int.from_bytes(buffer[at + 2 : at + 10], "big")
                head = 10
            end = at + head + length
            if end > size:
                break
            if opcode in (0x0, 0x1, 0x2):
                self.on_frame(buffer[at + head : end])
            elif opcode == 0x9:  # ping: answer with a (masked, zero-key) pong
                assert self.transport is not None
                self.transport.write(
                    bytes((0x8A, 0x80 | length)) + b"\0\0\0\0" + buffer[at + head : end]
                )
            elif opcode == 0x8:
                self.closed_by_server = True
                assert self.transport is not None
                self.transport.abort()
            at = end
        if at:
            del buffer[:at]


async def connect(url: str, on_frame: OnFrame, *, timeout: float = 30.0) -> LeanClient:
    """Open a websocket to `url` (ws:// only) and hand each data frame to `on_frame`."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    key = base64.b64encode(os.urandom(16))
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key.decode()}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    _transport, client = await loop.create_connection(
        lambda: LeanClient(request, key, on_frame), host, port
    )
    try:
        await asyncio.wait_for(asyncio.shield(client.opened), timeout)
    except BaseException:
        _transport.abort()
        raise
    return client
