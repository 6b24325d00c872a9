"""The client IP behind trusted proxies (`CHIRP_TRUSTED_PROXIES`), and only behind them."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from aiohttp.test_utils import make_mocked_request

from chirp.server.client_ip import client_ip, parse_networks

GOOGLE_LB = parse_networks("35.191.0.0/16, 130.211.0.0/22, 34.120.1.1")


def request_from(peer: str, forwarded: str | None = None) -> object:
    transport = MagicMock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 40000) if name == "peername" else default
    )
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return make_mocked_request("GET", "/api/v1/instance", headers=headers, transport=transport)


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # No trusted proxy in the way: the header is anyone's to write, and ignored.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # Google's balancer appends `<client>, <balancer>`: the client is the first untrusted hop.
        ("35.191.3.4", "198.51.100.1, 34.120.1.1", "198.51.100.1"),
        # A client's own made-up hops before the real ones change nothing.
        ("35.191.3.4", "10.0.0.1, 198.51.100.1, 34.120.1.1", "198.51.100.1"),
        # Every hop trusted: the farthest one.
        ("35.191.3.4", "130.211.0.7, 34.120.1.1", "130.211.0.7"),
        # An unreadable hop: trust stops at the last address read.
        ("35.191.3.4", "198.51.100.1, garbage, 34.120.1.1", "34.120.1.1"),
        # Ports and IPv4-mapped IPv6 addresses are read as the plain address.
        ("::ffff:35.191.3.4", "198.51.100.1:5555, 34.120.1.1", "198.51.100.1"),
        ("35.191.3.4", "[2001:db8::1]:443, 34.120.1.1", "2001:db8::1"),
        # A trusted proxy that sent no header: the proxy itself.
        ("35.191.3.4", None, "35.191.3.4"),
    ],
)
def test_client_ip(peer: str, forwarded: str | None, expected: str) -> None:
    assert client_ip(request_from(peer, forwarded), GOOGLE_LB) == expected  # type: ignore[arg-type]


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    request = request_from("35.191.3.4", "198.51.100.1")
    assert client_ip(request, ()) == "35.191.3.4"  # type: ignore[arg-type]


def test_a_bad_network_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        parse_networks("10.0.0.0/8, not-a-network")


def test_settings_refuse_a_bad_network() -> None:
    from pydantic import ValidationError

    from chirp.config import Settings

    with pytest.raises(ValidationError, match="not-a-network"):
        Settings(trusted_proxies="10.0.0.0/8, not-a-network")
    assert Settings(trusted_proxies=" 10.0.0.0/8 , ::1 ").trusted_proxies
