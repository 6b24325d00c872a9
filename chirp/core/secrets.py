"""Passwords and bearer secrets. Argon2id runs in a thread so it never blocks the event loop."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def new_secret() -> str:
    """A bearer secret with 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What storage keeps for a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


def pkce_s256(verifier: str) -> str:
    """RFC 7636 S256 challenge for a code verifier."""
    raw = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Passwords:
    """Argon2id hashing off the event loop. Defaults follow RFC 9106's memory-constrained option.

    At most `concurrency` computations run at once per process; the rest wait their turn. A
    flood of logins then queues behind a few threads instead of taking every executor thread
    (and `memory_kib` each), and the other requests, which need those threads too, are served.
    """

    def __init__(
        self,
        *,
        time_cost: int = 3,
        memory_kib: int = 64 * 1024,
        parallelism: int = 4,
        concurrency: int = 2,
    ):
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._slots = asyncio.Semaphore(concurrency)
        # Verifying unknown logins against this keeps them as slow as known ones.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Constant work whether or not the account exists."""

        def check() -> bool:
            try:
                ok = self._hasher.verify(password_hash or self._dummy_hash, password)
            except (VerificationError, InvalidHashError):
                return False
            return ok and password_hash is not None

        async with self._slots:
            return await asyncio.to_thread(check)
