"""One push to one subscription: the payload encrypted for the browser's keys and the request
signed with the server's VAPID key, both by the libraries (pywebpush's `WebPusher.encode` over
http-ece, py-vapid's JWT), then POSTed to the subscription's push service.

`standard` subscriptions get RFC 8291 (`aes128gcm`, `Authorization: vapid t=…, k=…`, RFC 8292);
the others the draft Mastodon long sent and clients still decrypt (`aesgcm`, `Encryption` and
`Crypto-Key: dh=…;p256ecdsa=…`, `Authorization: WebPush <jwt>`), as Mastodon does.

Endpoints are URLs clients choose, so unless `web_push_allow_local` only public addresses are
reached: IP literals are checked here and names by the connector's resolver, at connect time
(so a name cannot resolve to a public address for a check and a private one for the request).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver
from py_vapid import Vapid01, Vapid02
from pywebpush import WebPusher

from chirp.core.models import PushSubscription
from chirp.webpush.vapid import VapidKeys

TTL_SECONDS = 48 * 3600  # how long the push service may hold a push for an offline browser
JWT_SECONDS = 12 * 3600


class PushUnreachable(Exception):
    """The push service could not be asked (refused address, network error, time-out)."""


def _public(address: str) -> bool:
    return ipaddress.ip_address(address.split("%", 1)[0]).is_global


class PublicOnlyResolver(ThreadedResolver):
    """Resolves names to their public addresses only; none left is a connection error."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = [r for r in await super().resolve(host, port, family) if _public(r["host"])]
        if not found:
            raise OSError(f"{host} has no public address")
        return found


def open_session(allow_local: bool, timeout: float) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        resolver=None if allow_local else PublicOnlyResolver(), limit=100, ttl_dns_cache=60
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        headers={"User-Agent": "Chirp (Web Push)"},
    )


@dataclass(slots=True)
class PushResponse:
    status: int
    retry_after: str | None = None


class WebPushSender:
    def __init__(
        self,
        keys: VapidKeys,
        subject: str,
        session: aiohttp.ClientSession,
        *,
        allow_local: bool = False,
    ) -> None:
        self.keys = keys
        self.subject = subject
        self.session = session
        self.allow_local = allow_local
        # `sub` is the operator's contact: a mailto: or https URL when one is configured, else
        # the instance's own URL, which on a plain-http development server py-vapid's strict
        # check would refuse.
        strict = {"no-strict": not subject.startswith(("mailto:", "https:"))}
        self._signer = Vapid02(keys.vapid.private_key, conf=strict)
        self._legacy = Vapid01(keys.vapid.private_key, conf=strict)

    @property
    def public_key(self) -> str:
        return self.keys.public_key

    def request(
        self, subscription: PushSubscription, payload: bytes
    ) -> tuple[bytes, dict[str, str]]:
        """The encrypted body and the headers of the push (no I/O)."""
        parts = urlsplit(subscription.endpoint)
        claims: dict[str, Any] = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(time.time()) + JWT_SECONDS,
            "sub": self.subject,
        }
        pusher = WebPusher(
            {
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            }
        )
        headers = {"TTL": str(TTL_SECONDS), "Urgency": "normal"}
        headers["Content-Type"] = "application/octet-stream"
        if subscription.standard:
            encoded = pusher.encode(payload, "aes128gcm")
            headers["Content-Encoding"] = "aes128gcm"
            headers.update(self._signer.sign(claims))
        else:
            encoded = pusher.encode(payload, "aesgcm")
            signed = self._legacy.sign(claims)
            headers["Content-Encoding"] = "aesgcm"
            headers["Authorization"] = signed["Authorization"]
            # dh first: clients split this header naively (Mastodon.py among them).
            headers["Crypto-Key"] = f"dh={encoded['crypto_key'].decode()};{signed['Crypto-Key']}"
            headers["Encryption"] = f"salt={encoded['salt'].decode()}"
        return bytes(encoded["body"]), headers

    async def send(self, subscription: PushSubscription, payload: bytes) -> PushResponse:
        host = urlsplit(subscription.endpoint).hostname or ""
        if not self.allow_local:
            try:
                literal = ipaddress.ip_address(host.strip("[]"))
            except ValueError:
                literal = None
            if literal is not None and not literal.is_global:
                raise PushUnreachable(f"{host} is not a public address")
        body, headers = self.request(subscription, payload)
        try:
            async with self.session.post(
                subscription.endpoint, data=body, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                return PushResponse(response.status, response.headers.get("Retry-After"))
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise PushUnreachable(f"{type(error).__name__}: {error}") from error
