"""Blobs in Google Cloud Storage (google-cloud-storage), usually behind Cloud CDN.

The client library is blocking: every call runs in a worker thread (`asyncio.to_thread`), never
on the event loop. Objects larger than `resumable_threshold` go up as resumable uploads in
`chunk_size` pieces, so a dropped connection resumes instead of restarting a 100 MB video. Every
object gets its `Content-Type` and `Cache-Control`; the CDN honours the latter.

Signed URLs are V4 (`GOOG4-RSA-SHA256`): signed locally with a service-account key when the
credentials hold one, otherwise (Cloud Run, GKE: metadata-server credentials) through the IAM
`signBlob` API as the runtime service account, which needs `roles/iam.serviceAccountTokenCreator`
on itself.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry
from google.auth.credentials import Credentials, Signing
from google.auth.transport.requests import Request
from google.cloud import storage

from chirp.core.ports.blobs import (
    CHUNK_SIZE,
    DEFAULT_CACHE_CONTROL,
    BlobInfo,
    BlobNotFound,
    UrlSigner,
    check_key,
    origin_of,
)

RESUMABLE_THRESHOLD = 8 * 1024 * 1024
RESUMABLE_CHUNK = 8 * 1024 * 1024  # a multiple of 256 KiB, as the API requires
SPOOL_IN_MEMORY = 8 * 1024 * 1024
# Content-addressed puts are idempotent, so uploads may be retried on transient errors.
_RETRY = Retry(deadline=120)


class GcsBlobStore:
    """Implements `chirp.core.ports.blobs.BlobStore` on one bucket, under an optional name prefix."""

    def __init__(
        self,
        client: storage.Client,
        bucket: str,
        *,
        prefix: str = "",
        base_url: str = "",
        signing_credentials: Credentials | None = None,
        signing_key: str = "",
        resumable_threshold: int = RESUMABLE_THRESHOLD,
        chunk_size: int = RESUMABLE_CHUNK,
    ) -> None:
        self.client = client
        self.bucket = client.bucket(bucket)
        self.prefix = prefix.strip("/")
        emulator = os.environ.get("STORAGE_EMULATOR_HOST", "").rstrip("/")
        self._endpoint = emulator or "https://storage.googleapis.com"
        self.base_url = (base_url or f"{self._endpoint}/{bucket}").rstrip("/")
        self._signer = signing_credentials
        # Chirp's own signatures (live playlists); V4 URLs are signed by `signing_credentials`.
        # A server passes the instance's key (`chirp.blobs.signing_key`); without one (tools,
        # benchmarks), a key per process: the bucket, maybe public behind a CDN, is no place
        # for a secret.
        secret = signing_key.encode() if signing_key else secrets.token_bytes(32)
        self.signer = UrlSigner(lambda: secret)
        self.resumable_threshold = resumable_threshold
        self.chunk_size = chunk_size

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _blob(self, key: str) -> storage.Blob:
        return self.bucket.blob(self._name(key))

    # -- writing ---------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        data: bytes | AsyncIterable[bytes],
        *,
        content_type: str,
        cache_control: str = DEFAULT_CACHE_CONTROL,
    ) -> BlobInfo:
        blob = self._blob(key)
        if isinstance(data, bytes):
            return await asyncio.to_thread(
                self._upload_bytes, blob, key, data, content_type, cache_control
            )
        # A stream of unknown length: spool it (to disk past 8 MiB), then upload with its size.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            async for chunk in data:
                await asyncio.to_thread(spool.write, chunk)
            return await asyncio.to_thread(
                self._upload_stream, blob, key, spool, content_type, cache_control
            )

    async def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,
        cache_control: str = DEFAULT_CACHE_CONTROL,
    ) -> BlobInfo:
        blob = self._blob(key)

        def upload() -> BlobInfo:
            with path.open("rb") as handle:
                return self._upload_stream(blob, key, handle, content_type, cache_control)

        return await asyncio.to_thread(upload)

    def _upload_bytes(
        self, blob: storage.Blob, key: str, data: bytes, content_type: str, cache_control: str
    ) -> BlobInfo:
        self._prepare(blob, len(data), content_type, cache_control)
        blob.upload_from_string(data, content_type=content_type, retry=_RETRY)
        return self._info(key, blob)

    def _upload_stream(
        self, blob: storage.Blob, key: str, handle: Any, content_type: str, cache_control: str
    ) -> BlobInfo:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(0)
        self._prepare(blob, size, content_type, cache_control)
        blob.upload_from_file(handle, size=size, content_type=content_type, retry=_RETRY)
        return self._info(key, blob)

    def _prepare(
        self, blob: storage.Blob, size: int, content_type: str, cache_control: str
    ) -> None:
        blob.cache_control = cache_control
        blob.content_type = content_type
        # Setting chunk_size makes the library use a resumable session, in pieces of that size.
        blob.chunk_size = self.chunk_size if size > self.resumable_threshold else None

    # -- reading ---------------------------------------------------------------------------

    def _info(self, key: str, blob: storage.Blob) -> BlobInfo:
        return BlobInfo(
            key=key,
            size=int(blob.size or 0),
            content_type=blob.content_type or "application/octet-stream",
            cache_control=blob.cache_control or DEFAULT_CACHE_CONTROL,
            etag=f'"{blob.md5_hash or blob.etag or blob.generation}"',
            updated_at=blob.updated or datetime.now(UTC),
        )

    async def stat(self, key: str) -> BlobInfo | None:
        name = self._name(key)
        blob = await asyncio.to_thread(self.bucket.get_blob, name)
        return None if blob is None else self._info(key, blob)

    async def exists(self, key: str) -> bool:
        return await self.stat(key) is not None

    async def read(self, key: str, *, offset: int = 0, length: int | None = None) -> bytes:
        blob = self._blob(key)
        if length == 0:
            if not await self.exists(key):
                raise BlobNotFound(key)
            return b""
        end = None if length is None else offset + length - 1  # the API's end is inclusive

        def download() -> bytes:
            try:
                return bytes(blob.download_as_bytes(start=offset or None, end=end))
            except gexc.NotFound:
                raise BlobNotFound(key) from None
            except gexc.RequestRangeNotSatisfiable:
                return b""  # the range starts past the end of the object

        return await asyncio.to_thread(download)

    async def open(
        self, key: str, *, offset: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        position, stop = offset, (None if length is None else offset + length)
        while stop is None or position < stop:
            want = chunk_size if stop is None else min(chunk_size, stop - position)
            chunk = await self.read(key, offset=position, length=want)
            if not chunk:
                break
            position += len(chunk)
            yield chunk
            if len(chunk) < want:
                break

    async def delete(self, key: str) -> bool:
        blob = self._blob(key)

        def remove() -> bool:
            try:
                blob.delete()
            except gexc.NotFound:
                return False
            return True

        return await asyncio.to_thread(remove)

    # -- URLs ------------------------------------------------------------------------------

    def public_url(self, key: str) -> str:
        return f"{self.base_url}/{quote(self._name(key))}"

    def url_origins(self) -> list[str]:
        """Public URLs at the CDN (or the bucket); V4-signed ones at the storage endpoint."""
        return list(dict.fromkeys([origin_of(self.base_url), origin_of(self._endpoint)]))

    async def signed_url(self, key: str, *, ttl_seconds: int) -> str:
        blob = self._blob(key)
        return await asyncio.to_thread(self._sign, blob, ttl_seconds)

    serves_own_urls = False  # the bucket (or the CDN in front of it) serves them

    def verify(self, key: str, expires: str, signature: str) -> bool:
        return False  # V4 signatures are checked by the bucket, never by Chirp

    def _sign(self, blob: storage.Blob, ttl_seconds: int) -> str:
        credentials = self._signer or self.client._credentials
        options: dict[str, Any] = {}
        if not isinstance(credentials, Signing):
            # Metadata-server credentials hold no private key: sign through IAM signBlob.
            if not credentials.valid:
                credentials.refresh(Request())
            options = {
                "service_account_email": getattr(credentials, "service_account_email", None),
                "access_token": credentials.token,
            }
        url: str = blob.generate_signed_url(
            version="v4",
            expiration=timedelta(seconds=ttl_seconds),
            method="GET",
            credentials=credentials,
            api_access_endpoint=self._endpoint,
            **options,
        )
        return url

    async def close(self) -> None:
        await asyncio.to_thread(self.client.close)
