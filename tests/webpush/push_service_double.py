"""A local push-service double: what a browser's push service (RFC 8030) does with Chirp's
pushes, on loopback. It is a double, not the real thing: there is no browser behind it, and it
holds each subscription's private key so it can decrypt what it is sent.

For every push it checks what a real push service checks, with the libraries' own code: the
VAPID JWT (RFC 8292, py-vapid's verification) is signed by the server key the subscription was
made with, names this origin as its audience, has not expired and has a `sub`; and it decrypts
the body with the subscription's private key and auth secret (RFC 8291 `aes128gcm`, or the
draft `aesgcm`, by http-ece). A push failing either is answered 400 and recorded as rejected.
Answers can be scripted per subscription (`answer`) to play a push service that is down (5xx)
or has forgotten the subscription (410).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from aiohttp.test_utils import unused_port
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid01, Vapid02


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserSubscription:
    """What a browser's `PushManager.subscribe` makes: an endpoint and the keys to decrypt."""

    endpoint: str
    path: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)

    def subscription_form(
        self, alerts: list[str], *, policy: str = "all", standard: bool = True
    ) -> dict[str, Any]:
        """The JSON body of `POST /api/v1/push/subscription` a web client sends for it."""
        return {
            "subscription": {
                "endpoint": self.endpoint,
                "keys": {"p256dh": self.p256dh, "auth": self.auth_b64},
                "standard": standard,
            },
            "data": {"alerts": dict.fromkeys(alerts, True), "policy": policy},
        }


@dataclass
class Push:
    path: str
    status: int
    encoding: str
    payload: dict[str, Any] | None
    claims: dict[str, Any]
    problem: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class PushServiceDouble:
    def __init__(self, server_key: str | None = None) -> None:
        self.server_key = server_key  # the VAPID key pushes must be signed with, once known
        self.port = unused_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.subscriptions: dict[str, BrowserSubscription] = {}
        self.pushes: list[Push] = []
        self._answers: dict[str, deque[int]] = defaultdict(deque)
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/push/{name}", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def subscribe(
        self,
        name: str,
        private_key: ec.EllipticCurvePrivateKey | None = None,
        auth: bytes | None = None,
    ) -> BrowserSubscription:
        """A browser's subscription here; its keys made now, or given (a client made them)."""
        path = f"/push/{name}"
        made = BrowserSubscription(
            f"{self.origin}{path}",
            path,
            private_key or ec.generate_private_key(ec.SECP256R1()),
            auth or os.urandom(16),
        )
        self.subscriptions[path] = made
        return made

    def answer(self, name: str, *statuses: int) -> None:
        """Answer the next pushes to this subscription with these statuses (then 201)."""
        self._answers[f"/push/{name}"].extend(statuses)

    def accepted(self, name: str | None = None) -> list[Push]:
        return [
            p
            for p in self.pushes
            if p.problem is None
            and 200 <= p.status < 300
            and (name is None or p.path == f"/push/{name}")
        ]

    def rejected(self) -> list[Push]:
        return [p for p in self.pushes if p.problem is not None]

    async def wait_for(self, count: int, timeout: float = 10.0, name: str | None = None) -> None:
        """Until `count` pushes (to `name`, if given) were accepted."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.accepted(name)) >= count)

    async def _receive(self, request: web.Request) -> web.Response:
        path = request.path
        body = await request.read()
        headers = dict(request.headers)
        encoding = request.headers.get("Content-Encoding", "")
        claims: dict[str, Any] = {}
        payload = None
        problem = None
        subscription = self.subscriptions.get(path)
        try:
            if subscription is None:
                raise ValueError("no such subscription")
            claims = self._check_vapid(request)
            payload = json.loads(self._decrypt(subscription, request, body))
        except Exception as error:  # any failure is the pushed request's fault
            problem = f"{type(error).__name__}: {error}"
        scripted = self._answers[path]
        status = 400 if problem else (scripted.popleft() if scripted else 201)
        self.pushes.append(Push(path, status, encoding, payload, claims, problem, headers, body))
        async with self._arrived:
            self._arrived.notify_all()
        return web.Response(status=status)

    def _check_vapid(self, request: web.Request) -> dict[str, Any]:
        auth = request.headers.get("Authorization", "")
        scheme, _, rest = auth.partition(" ")
        if scheme.lower() == "vapid":  # RFC 8292: `vapid t=<jwt>, k=<key>`
            parts = dict(p.strip().split("=", 1) for p in rest.split(","))
            key, token = parts["k"], parts["t"]
            assert Vapid02.verify(auth), "bad VAPID signature"
        elif scheme == "WebPush":  # the draft: key in `Crypto-Key: p256ecdsa=`
            crypto = dict(p.strip().split("=", 1) for p in request.headers["Crypto-Key"].split(";"))
            key, token = crypto["p256ecdsa"], rest
            assert Vapid01.verify(key, auth), "bad VAPID signature"
        else:
            raise ValueError(f"no VAPID authorization: {auth!r}")
        if self.server_key is not None and unb64(key) != unb64(self.server_key):
            raise ValueError("signed with another key than the subscription's server key")
        claims: dict[str, Any] = json.loads(unb64(token.split(".")[1]))
        if claims.get("aud") != self.origin:
            raise ValueError(f"audience {claims.get('aud')!r} is not {self.origin}")
        if int(claims["exp"]) <= time.time() or int(claims["exp"]) > time.time() + 86400:
            raise ValueError("expired, or valid for more than 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:", "http:")):
            raise ValueError("no contact (`sub`)")
        return claims

    def _decrypt(
        self, subscription: BrowserSubscription, request: web.Request, body: bytes
    ) -> bytes:
        encoding = request.headers.get("Content-Encoding")
        if encoding == "aes128gcm":
            return bytes(
                http_ece.decrypt(
                    body,
                    private_key=subscription.private_key,
                    auth_secret=subscription.auth,
                    version="aes128gcm",
                )
            )
        if encoding == "aesgcm":
            crypto = dict(p.strip().split("=", 1) for p in request.headers["Crypto-Key"].split(";"))
            salt = request.headers["Encryption"].removeprefix("salt=")
            return bytes(
                http_ece.decrypt(
                    body,
                    salt=unb64(salt),
                    private_key=subscription.private_key,
                    dh=unb64(crypto["dh"]),
                    auth_secret=subscription.auth,
                    version="aesgcm",
                )
            )
        raise ValueError(f"unknown Content-Encoding {encoding!r}")
