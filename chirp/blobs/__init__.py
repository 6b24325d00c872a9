"""The blob store's backends (`local` embedded, `gcs` for Google Cloud Storage); the port is
`chirp.core.ports.blobs`."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from chirp.config import Settings
from chirp.core.ports.blobs import BlobStore
from chirp.core.ports.web_push import PushSubscriptionStore

SIGNING_SECRET_NAME = "media_signing_key"


async def signing_key(settings: Settings, store: PushSubscriptionStore) -> str:
    """`CHIRP_MEDIA_SIGNING_KEY`, or the instance's own key kept in the store (made by the first
    node to start): every node and every restart signs and checks playback URLs alike, whatever
    the blob store (a key per GCS process broke followers-only streams across nodes)."""
    if settings.media_signing_key:
        return settings.media_signing_key
    return await store.claim_instance_secret(SIGNING_SECRET_NAME, secrets.token_hex(32))


def open_blobs(settings: Settings, signing_key: str = "") -> BlobStore:
    """The store `CHIRP_MEDIA_STORE` names: empty (`<data_dir>/media`), `file:///path`, or
    `gs://bucket/prefix` (credentials from the environment: Application Default Credentials,
    or anonymous against `STORAGE_EMULATOR_HOST`). Chirp's URL signatures use `signing_key`
    (see `signing_key()`); without one, the store's fallback (tools and benchmarks)."""
    key = signing_key or settings.media_signing_key
    url = settings.media_store
    if not url or url.startswith("file://"):
        from chirp.blobs.local import LocalBlobStore

        root = Path(url.removeprefix("file://")) if url else settings.data_dir / "media"
        return LocalBlobStore(
            root,
            base_url=settings.media_base_url or f"{settings.base_url}/media",
            signing_key=key,
        )
    if url.startswith("gs://"):
        from google.cloud import storage

        from chirp.blobs.gcs import GcsBlobStore

        parts = urlsplit(url)
        if not parts.netloc:
            raise ValueError("CHIRP_MEDIA_STORE=gs://<bucket>[/prefix] needs a bucket name")
        return GcsBlobStore(
            storage.Client(),
            parts.netloc,
            prefix=parts.path.strip("/"),
            base_url=settings.media_base_url,
            signing_key=key,
        )
    raise ValueError(f"unsupported media store URL: {url.split(':', 1)[0]}://")


__all__ = ["SIGNING_SECRET_NAME", "open_blobs", "signing_key"]
