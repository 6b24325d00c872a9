"""The SSRF suite of the link card client: private addresses refused directly, through DNS
names resolving to them, through redirects; oversized and slow responses cut off; redirects
capped; the identifying User-Agent sent. Requests that must be refused are checked to never
reach the private server."""

from __future__ import annotations

import asyncio
import ipaddress
import time

import pytest
from aiohttp import web

from chirp.cards.guarded import GuardedClient, Limits, Refused, is_public
from tests.cards.sites import StubResolver, as_public, site

PUBLIC = "127.0.0.2"  # plays the public web where a test says so (`as_public`)
PRIVATE = "127.0.0.1"
UA = "Chirp/test (link preview; +https://chirp.example/)"


def _ok(request: web.Request) -> web.Response:
    return web.Response(text="<title>hi</title>", content_type="text/html")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared (CGNAT)
        "0.0.0.0",
        "224.0.0.1",  # multicast
        "239.255.255.250",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 of loopback
        "::",
    ],
)
def test_non_public_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


async def test_private_addresses_in_the_url_are_refused_before_any_connection() -> None:
    async with site(PRIVATE, {"/": _ok}) as private:
        client = GuardedClient(UA, resolver=StubResolver({}))
        try:
            for url in (
                private.url("/"),
                f"http://[::ffff:127.0.0.1]:{private.server.port}/",
                f"http://[::1]:{private.server.port}/",
                "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.1/",
                "ftp://example.com/",
                "file:///etc/passwd",
            ):
                with pytest.raises(Refused):
                    await client.get(url)
        finally:
            await client.close()
        assert private.requests == []


async def test_names_resolving_to_private_addresses_are_refused() -> None:
    async with site(PRIVATE, {"/": _ok}) as private:
        resolver = StubResolver(
            {
                "internal.test": [PRIVATE],
                "metadata.test": ["169.254.169.254"],
                "v6.test": ["::1"],
                "mapped.test": ["::ffff:127.0.0.1"],
            }
        )
        client = GuardedClient(UA, resolver=resolver)
        try:
            for name in ("internal.test", "metadata.test", "v6.test", "mapped.test"):
                with pytest.raises(Refused):
                    await client.get(f"http://{name}:{private.server.port}/")
        finally:
            await client.close()
        assert set(resolver.asked) >= {"internal.test", "metadata.test"}
        assert private.requests == []


async def test_a_name_with_a_private_and_a_public_address_connects_to_the_public_one() -> None:
    async with site(PUBLIC, {"/": _ok}) as public:  # noqa: SIM117 (the port comes first)
        async with site(PRIVATE, {"/": _ok}, port=public.server.port) as private:  # same port
            resolver = StubResolver({"mixed.test": [PRIVATE, PUBLIC]})
            client = GuardedClient(UA, resolver=resolver, allowed=as_public(PUBLIC))
            try:
                fetched = await client.get(f"http://mixed.test:{public.server.port}/")
            finally:
                await client.close()
            assert b"hi" in fetched.body
            assert len(public.requests) == 1 and private.requests == []


async def test_redirects_to_private_addresses_are_refused() -> None:
    async with site(PRIVATE, {"/secret": _ok}) as private:

        def to_literal(request: web.Request) -> web.Response:
            raise web.HTTPFound(private.url("/secret"))

        def to_name(request: web.Request) -> web.Response:
            raise web.HTTPFound(private.url("/secret", host="internal.test"))

        def to_mapped(request: web.Request) -> web.Response:
            raise web.HTTPMovedPermanently(f"http://[::ffff:127.0.0.1]:{private.server.port}/")

        routes = {"/literal": to_literal, "/name": to_name, "/mapped": to_mapped}
        async with site(PUBLIC, routes) as public:
            resolver = StubResolver({"internal.test": [PRIVATE], "news.test": [PUBLIC]})
            client = GuardedClient(UA, resolver=resolver, allowed=as_public(PUBLIC))
            try:
                for path in routes:
                    with pytest.raises(Refused):
                        await client.get(public.url(path, host="news.test"))
            finally:
                await client.close()
            assert len(public.requests) == 3
        assert private.requests == []


async def test_redirects_are_followed_up_to_the_cap() -> None:
    def hop(request: web.Request) -> web.Response:
        n = int(request.match_info.get("n", request.path.rsplit("/", 1)[-1]))
        if n == 0:
            return _ok(request)
        raise web.HTTPFound(f"/{n - 1}")

    routes = {f"/{n}": hop for n in range(6)}
    async with site(PUBLIC, routes) as public:
        client = GuardedClient(UA, limits=Limits(max_redirects=3), allowed=as_public(PUBLIC))
        try:
            fetched = await client.get(public.url("/3"))
            assert fetched.url.endswith("/0")
            with pytest.raises(Refused, match="too many redirects"):
                await client.get(public.url("/4"))
        finally:
            await client.close()


async def test_oversized_responses_are_cut_off() -> None:
    async def declared(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 5000, content_type="text/html")

    async def streamed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "text/html"
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"y" * 1000)
        await response.write_eof()
        return response

    async with site(PUBLIC, {"/declared": declared, "/streamed": streamed}) as public:
        client = GuardedClient(UA, limits=Limits(max_bytes=2048), allowed=as_public(PUBLIC))
        try:
            for path in ("/declared", "/streamed"):
                with pytest.raises(Refused, match="too large"):
                    await client.get(public.url(path))
        finally:
            await client.close()


async def test_slow_responses_are_cut_off() -> None:
    async def slow_headers(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return _ok(request)

    async def slow_body(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "text/html"
        await response.prepare(request)
        for _ in range(50):  # a trickle: each chunk on time, the whole far too late
            await response.write(b"z")
            await asyncio.sleep(0.1)
        return response

    async with site(PUBLIC, {"/headers": slow_headers, "/body": slow_body}) as public:
        client = GuardedClient(UA, limits=Limits(timeout_seconds=0.5), allowed=as_public(PUBLIC))
        try:
            for path in ("/headers", "/body"):
                started = time.monotonic()
                with pytest.raises(Refused):
                    await client.get(public.url(path))
                assert time.monotonic() - started < 3
        finally:
            await client.close()


async def test_the_client_says_who_it_is() -> None:
    async with site(PUBLIC, {"/": _ok}) as public:
        client = GuardedClient(UA, allowed=as_public(PUBLIC))
        try:
            await client.get(public.url("/"))
        finally:
            await client.close()
        assert public.requests[0].headers["User-Agent"] == UA
