"""The client's IP: the peer's, or, when the peer is a trusted proxy (`CHIRP_TRUSTED_PROXIES`),
the nearest untrusted address in `X-Forwarded-For`. Without trusted proxies the header is
ignored: anyone can write it, and believing it would let a client pick its own rate limit key."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def parse_networks(raw: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 35.191.0.0/16, ::1` -> networks; a bad entry is a configuration error."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()
    )


def _address(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    raw = raw.strip()
    if raw.startswith("[") and "]" in raw:  # `[v6]:port`
        raw = raw[1 : raw.index("]")]
    elif raw.count(":") == 1:  # `v4:port`
        raw = raw.split(":")[0]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: Sequence[Network]
) -> bool:
    return any(address.version == net.version and address in net for net in nets)


def client_ip(request: web.Request, trusted: Sequence[Network]) -> str:
    peer = request.remote or ""
    address = _address(peer)
    if address is None:
        return peer or "unknown"
    if not trusted or not _trusted(address, trusted):
        return str(address)
    # Walk the chain from the nearest hop: each trusted proxy vouches for the one before it.
    hops = [
        hop for value in request.headers.getall("X-Forwarded-For", ()) for hop in value.split(",")
    ]
    for raw in reversed(hops):
        hop = _address(raw)
        if hop is None:
            break  # an address we cannot read: trust stops at the last proxy we could
        address = hop
        if not _trusted(hop, trusted):
            break
    return str(address)
