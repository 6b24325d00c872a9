"""The blob-store port: named bytes with a content type and a cache policy, reachable by URL.

Media attachments keep their originals, previews and transcodes here; the live-video relay keeps
its segments and playlists here too. Keys are `/`-separated names (`media/123/original-ab12.jpg`,
`live/42/playlist.m3u8`); each object carries its own `Content-Type` and `Cache-Control`, so an
immutable, content-addressed image and a playlist with `max-age=1` live side by side.

URLs that Chirp itself checks (local blobs served under `/media`, followers-only live
playlists) carry one signature, made by the store's `UrlSigner`: every node sharing the store
agrees on it. Backends (`local`, `gcs`) must pass the conformance suite in `tests/blobs/`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urlencode, urlsplit

# For keys whose name contains a digest of their bytes: they never change, so caches keep them.
IMMUTABLE = "public, max-age=31536000, immutable"
DEFAULT_CACHE_CONTROL = "public, max-age=3600"
CHUNK_SIZE = 256 * 1024

# Segments of letters, digits, `.`, `_`, `-`, `=`, `+`, `@`; none starts with a dot (no `..`,
# no hidden files), so a key is always a plain relative path on disk and in a bucket.
_KEY = re.compile(r"[A-Za-z0-9_\-=+@][A-Za-z0-9._\-=+@]*(/[A-Za-z0-9_\-=+@][A-Za-z0-9._\-=+@]*)*")
MAX_KEY_LENGTH = 512


class InvalidKey(ValueError):
    """A key that is empty, too long, absolute, or has `..`, hidden or odd-character segments."""


class BlobNotFound(LookupError):
    """No object under this key."""


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def check_key(key: str) -> str:
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidKey(f"invalid blob key: {key[:80]!r}")
    return key


@dataclass(frozen=True, slots=True)
class BlobInfo:
    key: str
    size: int
    content_type: str
    cache_control: str
    etag: str  # a strong validator, quoted as in HTTP (`"…"`); changes whenever the bytes do
    updated_at: datetime


class UrlSigner:
    """The signing rule of the URLs Chirp serves itself: `signature` is the hex HMAC-SHA256 of
    `<name>\n<expires>` (a Unix time), under the store's secret. A blob's name is its key; other
    names hold a newline (`live-playback\n<id>`), which no key can, so a signature made for one
    kind of URL never opens another."""

    def __init__(self, secret: Callable[[], bytes]) -> None:
        # Called on each use: a store may make its secret on first use (and read it from disk).
        self._secret = secret

    def digest(self, message: str) -> str:
        """The keyed digest of `message` (hex): a name only the secret's holders can compute."""
        return hmac.new(self._secret(), message.encode(), hashlib.sha256).hexdigest()

    def sign(self, name: str, expires: int) -> str:
        return self.digest(f"{name}\n{expires}")

    def query(self, name: str, ttl_seconds: int, *, now: float | None = None) -> str:
        """`expires=…&signature=…`, valid `ttl_seconds` from `now`."""
        expires = int(time.time() if now is None else now) + ttl_seconds
        return urlencode({"expires": expires, "signature": self.sign(name, expires)})

    def verify(self, name: str, expires: str, signature: str) -> bool:
        """Whether `signature` is ours for `name` and `expires` has not passed."""
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(self.sign(name, int(expires)), signature)


@runtime_checkable
class BlobStore(Protocol):
    async def put(
        self,
        key: str,
        data: bytes | AsyncIterable[bytes],
        *,
        content_type: str,
        cache_control: str = DEFAULT_CACHE_CONTROL,
    ) -> BlobInfo:
        """Store bytes (or a stream of chunks) under `key`, replacing any object there. Readers
        see the old object or the new one, never a part."""
        ...

    async def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,
        cache_control: str = DEFAULT_CACHE_CONTROL,
    ) -> BlobInfo:
        """Like `put`, from a file on disk (large files go up in resumable chunks)."""
        ...

    async def stat(self, key: str) -> BlobInfo | None: ...

    async def exists(self, key: str) -> bool: ...

    async def read(self, key: str, *, offset: int = 0, length: int | None = None) -> bytes:
        """The bytes in `[offset, offset + length)`, cut at the end of the object;
        `BlobNotFound` if there is none."""
        ...

    def open(
        self, key: str, *, offset: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        """Stream a byte range in chunks (for serving video); `BlobNotFound` on first iteration."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove; False if there was nothing to remove."""
        ...

    def public_url(self, key: str) -> str:
        """Where anyone fetches the object: `CHIRP_MEDIA_BASE_URL/<name>` (the CDN) when set."""
        ...

    async def signed_url(self, key: str, *, ttl_seconds: int) -> str:
        """A URL that works for `ttl_seconds` without other credentials (V4 signature on GCS,
        `signer` on local disk), for buckets that are not public."""
        ...

    def url_origins(self) -> list[str]:
        """Every origin (`scheme://host[:port]`) its public and signed URLs point at: what a
        page's Content-Security-Policy must allow for media and live video."""
        ...

    # Signs what Chirp serves for this store (its own blob URLs, live playlists); its secret is
    # `CHIRP_MEDIA_SIGNING_KEY`, else one the store keeps (local disk) or makes per process (GCS).
    signer: UrlSigner

    # True where Chirp itself serves the URLs above (`GET /media/<key>`, local disk); False where
    # a bucket or CDN does, and Chirp's media route finds nothing.
    serves_own_urls: bool

    def verify(self, key: str, expires: str, signature: str) -> bool:
        """Whether `expires`/`signature` (from a `signed_url` of `key`) are ours and unexpired
        (`signer.verify`). Always False where the store does not serve its own URLs."""
        ...

    async def close(self) -> None: ...
