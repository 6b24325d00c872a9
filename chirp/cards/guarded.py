"""An HTTP client for pages users link to, which must never reach this server's own network.

Every address a connection may use is checked after DNS resolution, by the resolver the
connector connects with (`PublicOnlyResolver`), so the checked address is the one used (a name
cannot resolve to a public address for the check and a private one for the connection). URLs
naming an address directly skip resolvers in aiohttp, so those are checked before each
request, and redirects are followed by hand, each hop checked again. Size, time and the number
of redirects are capped; proxies from the environment are ignored.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressCheck = Callable[[Address], bool]


class Refused(Exception):
    """The URL, an address it resolves to, a redirect or the response is not allowed."""


def is_public(address: Address) -> bool:
    """Whether an address is on the public internet: not private, loopback, link-local,
    multicast, reserved, shared (CGNAT), unspecified, nor one of those mapped into IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public(mapped)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_link_local
    )


def public_or(networks: str) -> AddressCheck:
    """`is_public`, plus the addresses of these comma-separated networks (CIDR); ValueError
    for a network that does not parse."""
    allowed = [
        ipaddress.ip_network(n.strip(), strict=False) for n in networks.split(",") if n.strip()
    ]
    if not allowed:
        return is_public
    return lambda address: is_public(address) or any(address in net for net in allowed)


class PublicOnlyResolver(AbstractResolver):
    """Resolves through `inner` and keeps only the addresses `allowed` accepts; a name left
    with none cannot be connected to."""

    def __init__(self, inner: AbstractResolver, allowed: AddressCheck = is_public) -> None:
        self.inner = inner
        self.allowed = allowed

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.inner.resolve(host, port, family)
        kept = [r for r in found if self.allowed(ipaddress.ip_address(r["host"]))]
        if not kept:
            raise OSError(f"{host} resolves to no public address")
        return kept

    async def close(self) -> None:
        await self.inner.close()


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 1024 * 1024
    timeout_seconds: float = 10.0
    max_redirects: int = 3


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    content_type: str
    body: bytes


class GuardedClient:
    """GETs a URL within `Limits`, refusing non-public addresses (`Refused`)."""

    def __init__(
        self,
        user_agent: str,
        *,
        limits: Limits | None = None,
        resolver: AbstractResolver | None = None,
        allowed: AddressCheck = is_public,
    ) -> None:
        self.user_agent = user_agent
        self.limits = limits or Limits()
        self.allowed = allowed
        self._inner = resolver
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            inner = self._inner or aiohttp.ThreadedResolver()
            connector = aiohttp.TCPConnector(
                resolver=PublicOnlyResolver(inner, self.allowed),
                use_dns_cache=False,  # each connection resolves (and checks) again
                limit=20,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                headers={"User-Agent": self.user_agent},
                timeout=aiohttp.ClientTimeout(total=self.limits.timeout_seconds),
            )
        return self._session

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(f"not an http(s) URL: {url[:200]}")
        try:
            literal = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return  # a name: checked after resolution, by the resolver
        if not self.allowed(literal):
            raise Refused(f"not a public address: {parts.hostname}")

    async def get(self, url: str, *, accept: str = "*/*", max_bytes: int | None = None) -> Fetched:
        cap = max_bytes or self.limits.max_bytes
        session = self._open()
        try:
            for _ in range(self.limits.max_redirects + 1):
                self._check_url(url)
                async with session.get(
                    url, allow_redirects=False, headers={"Accept": accept}
                ) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        location = response.headers.get("Location")
                        if not location:
                            raise Refused("a redirect without a location")
                        url = urljoin(url, location)
                        continue
                    if response.status != 200:
                        raise Refused(f"answered {response.status}")
                    length = response.content_length
                    if length is not None and length > cap:
                        raise Refused(f"too large: {length} bytes")
                    body = await _read_capped(response, cap)
                    return Fetched(str(response.url), response.content_type, body)
            raise Refused("too many redirects")
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise Refused(f"could not fetch: {error!r}"[:300]) from error

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > cap:
            raise Refused(f"too large: more than {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
