"""Open streams (websockets, SSE) per token and per client IP on this node, capped: one token
or one address cannot hold hundreds of sockets, each with its queue and subscriptions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from chirp.core.errors import RateLimited

RETRY_AFTER_SECONDS = 5


class StreamSlots:
    def __init__(self, *, per_token: int, per_ip: int) -> None:
        self.per_token = per_token
        self.per_ip = per_ip
        self._tokens: Counter[str] = Counter()
        self._ips: Counter[str] = Counter()

    def open_for(self, *, token: str | None = None, ip: str | None = None) -> int:
        return self._tokens[token] if token is not None else self._ips[ip or ""]

    @contextmanager
    def hold(self, token: str | None, ip: str) -> Iterator[None]:
        """A slot for one stream while the block runs; 429 if the token or IP has none left."""
        if token is not None and self._tokens[token] >= self.per_token:
            raise RateLimited(
                f"Too many open streams for this access token (at most {self.per_token})",
                retry_after=RETRY_AFTER_SECONDS,
            )
        if self._ips[ip] >= self.per_ip:
            raise RateLimited(
                f"Too many open streams from this address (at most {self.per_ip})",
                retry_after=RETRY_AFTER_SECONDS,
            )
        if token is not None:
            self._tokens[token] += 1
        self._ips[ip] += 1
        try:
            yield
        finally:
            if token is not None:
                self._release(self._tokens, token)
            self._release(self._ips, ip)

    @staticmethod
    def _release(counts: Counter[str], key: str) -> None:
        counts[key] -= 1
        if counts[key] <= 0:
            del counts[key]  # bounded: only keys with open streams are kept
