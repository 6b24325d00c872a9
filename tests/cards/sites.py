"""Local stand-ins for the web a link card reads: a `StubResolver` (aiohttp's resolver
interface, answering from a table, so no test asks real DNS) and small page servers bound to
loopback addresses. Which loopback address counts as "the public internet" is each test's
explicit choice (`as_public`); the production check (`guarded.is_public`) refuses them all."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer

from chirp.cards.guarded import Address


class StubResolver(AbstractResolver):
    """A DNS stand-in: each name answers with the addresses the test gave it."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"stub resolver: no such name {host}")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.table[host]
        ]

    async def close(self) -> None:
        pass


def as_public(*addresses: str) -> Callable[[Address], bool]:
    """A test-only policy: these loopback addresses play the public internet."""
    allowed = {ipaddress.ip_address(a) for a in addresses}
    return lambda address: address in allowed


@dataclass
class Site:
    """A page server that records what reached it."""

    server: TestServer
    requests: list[web.Request] = field(default_factory=list)

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.server.host}:{self.server.port}{path}"


@asynccontextmanager
async def site(
    host: str, routes: dict[str, Callable[[web.Request], object]], port: int | None = None
) -> AsyncIterator[Site]:
    app = web.Application()
    served = Site(TestServer(app, host=host, port=port))

    def recording(handler: Callable[[web.Request], object]) -> Callable[..., object]:
        async def handle(request: web.Request) -> web.StreamResponse:
            served.requests.append(request)
            result = handler(request)
            if asyncio.iscoroutine(result):
                result = await result
            assert isinstance(result, web.StreamResponse)
            return result

        return handle

    for path, handler in routes.items():
        app.router.add_get(path, recording(handler))
    await served.server.start_server()
    try:
        yield served
    finally:
        await served.server.close()
