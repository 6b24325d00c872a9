"""Connection hygiene: no client may hold a connection it does not use.

aiohttp closes idle keep-alive connections (`keepalive_timeout`) but waits forever for a
request's head or body that trickles in, so a few hundred half-sent requests (slowloris) held
every file the process may open. Here:

- a request's head must arrive whole within `header_timeout` of its first byte, and its body
  within `body_timeout` of the head; otherwise the connection is closed;
- idle keep-alive connections close after `keepalive_timeout` (longer than the load
  balancer's own, so the balancer never sends on a connection the server just closed);
- at most `max_connections` are open per process: past it, the connection idle the longest
  (waiting for a request, none in progress) is closed to make room, and if none is idle the
  new one is answered 503 `{"error": ...}` and closed.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import weakref
from typing import Any, cast

from aiohttp import web
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import EMPTY_PAYLOAD, StreamReader
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger(__name__)

BUSY_BODY = b'{"error":"Server busy: too many open connections, try again shortly"}'
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/json; charset=utf-8\r\n"
    b"Content-Length: " + str(len(BUSY_BODY)).encode() + b"\r\n"
    b"Retry-After: 1\r\n"
    b"X-Content-Type-Options: nosniff\r\n"
    b"Connection: close\r\n\r\n" + BUSY_BODY
)
BUSY_LINGER_SECONDS = 1.0
# Files kept for the store, logs, media work and Redis when the cap comes from the file limit.
_RESERVED_FILES = 64


def default_max_connections() -> int:
    """Three quarters of the open-files limit, leaving room for everything else the process
    opens, so the cap is reached (and answered) before `accept` fails for want of a file."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 65_536
    return max(8, min(soft * 3 // 4, soft - _RESERVED_FILES))


class _Busy(asyncio.Protocol):
    """A connection past the cap: answered 503 at once. The request is read and dropped for
    up to a second before closing: closing on unread bytes would reset the connection, and
    the client would see the reset instead of the answer."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's is one, not a subclass
        transport.write(BUSY_RESPONSE)
        if transport.can_write_eof():
            transport.write_eof()
        asyncio.get_running_loop().call_later(BUSY_LINGER_SECONDS, transport.close)

    def data_received(self, data: bytes) -> None:
        pass  # dropped

    def eof_received(self) -> bool:
        return False  # the client is done: close


class GuardedRequestHandler(RequestHandler):
    """aiohttp's connection protocol with deadlines on a request's head and body."""

    def __init__(
        self, manager: GuardedServer, *, header_timeout: float, body_timeout: float, **kwargs: Any
    ) -> None:
        super().__init__(manager, **kwargs)
        self._header_timeout = header_timeout
        self._body_timeout = body_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self.last_activity = self._loop.time()

    @property
    def idle(self) -> bool:
        """Waiting for a request's head (or for nothing): no request in progress."""
        return (
            not self._request_in_progress
            and not self._upgraded
            and not self._messages
            and not self._force_close
        )

    def data_received(self, data: bytes) -> None:
        self.last_activity = self._loop.time()
        before = self._request_count
        waiting = len(self._messages)
        super().data_received(data)
        for message, payload in list(self._messages)[waiting:]:
            if isinstance(message, RawRequestMessage) and not message.upgrade:
                self._watch_body(payload)
        if self._request_count != before:
            self._disarm_header_timer()
        elif self.idle and self._header_timer is None and data:
            self._header_timer = self._loop.call_later(
                self._header_timeout, self._header_deadline, before
            )

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline(self, count: int) -> None:
        self._header_timer = None
        if self._request_count == count and not self._force_close:
            log.info("request head too slow: connection closed", extra={"peer": self._peer()})
            self.force_close()

    def _watch_body(self, payload: StreamReader) -> None:
        if payload is EMPTY_PAYLOAD or payload.is_eof():
            return
        if self._body_timer is not None:
            self._body_timer.cancel()
        self._body_timer = self._loop.call_later(self._body_timeout, self._body_deadline, payload)

    def _body_deadline(self, payload: StreamReader) -> None:
        self._body_timer = None
        if not payload.is_eof() and not self._force_close:
            log.info("request body too slow: connection closed", extra={"peer": self._peer()})
            self.force_close()

    def _peer(self) -> str:
        transport = self.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        return str(peer[0]) if isinstance(peer, tuple) and peer else ""

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm_header_timer()
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        super().connection_lost(exc)


class GuardedServer(web.Server):
    """aiohttp's protocol factory, with the connection cap and guarded connections."""

    def __init__(
        self,
        handler: Any,
        *,
        header_timeout: float,
        body_timeout: float,
        max_connections: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(handler, **kwargs)
        self._guards = {"header_timeout": header_timeout, "body_timeout": body_timeout}
        self.max_connections = max_connections
        # Every protocol made and not yet collected or lost: counted from the accept, before
        # `connection_made` registers it, so a burst of accepts cannot overshoot the cap.
        self._open: weakref.WeakSet[GuardedRequestHandler] = weakref.WeakSet()

    def __call__(self) -> RequestHandler:
        if len(self._open) >= self.max_connections:  # only then the closer look
            live = [protocol for protocol in self._open if not protocol._force_close]
            if len(live) >= self.max_connections and not self._evict_idle(live):
                return _Busy()  # type: ignore[return-value]  # a protocol, not a request handler
        protocol = GuardedRequestHandler(self, loop=self._loop, **self._guards, **self._kwargs)
        self._open.add(protocol)
        return protocol

    def _evict_idle(self, live: list[GuardedRequestHandler]) -> bool:
        idle = [protocol for protocol in live if protocol.idle]
        if not idle:
            log.warning("connection cap reached: 503", extra={"cap": self.max_connections})
            return False
        victim = min(idle, key=lambda protocol: protocol.last_activity)
        victim.force_close()
        return True

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        if isinstance(handler, GuardedRequestHandler):
            self._open.discard(handler)
        super().connection_lost(handler, exc)


class GuardedAppRunner(web.AppRunner):
    """An `AppRunner` whose server guards its connections (see the module's docstring)."""

    def __init__(
        self,
        app: web.Application,
        *,
        header_timeout: float,
        body_timeout: float,
        max_connections: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(app, **kwargs)
        self._guards: dict[str, Any] = {
            "header_timeout": header_timeout,
            "body_timeout": body_timeout,
            "max_connections": max_connections or default_max_connections(),
        }

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return GuardedServer(
            server.request_handler,
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            loop=asyncio.get_running_loop(),
            **self._guards,
            **server._kwargs,
        )
