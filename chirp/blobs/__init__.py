"""The blob store's backends (`local` embedded, `gcs` for Google Cloud Storage); the port is
`chirp.core.ports.blobs`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from chirp.config import Settings
from chirp.core.ports.blobs import BlobStore


def open_blobs(settings: Settings) -> BlobStore:
    """The store `CHIRP_MEDIA_STORE` names: empty (`<data_dir>/media`), `file:///path`, or
    `gs://bucket/prefix` (credentials from the environment: Application Default Credentials,
    or anonymous against `STORAGE_EMULATOR_HOST`)."""
    url = settings.media_store
    if not url or url.startswith("file://"):
        from chirp.blobs.local import LocalBlobStore

        root = Path(url.removeprefix("file://")) if url else settings.data_dir / "media"
        return LocalBlobStore(
            root,
            base_url=settings.media_base_url or f"{settings.base_url}/media",
            signing_key=settings.media_signing_key,
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
            signing_key=settings.media_signing_key,
        )
    raise ValueError(f"unsupported media store URL: {url.split(':', 1)[0]}://")


__all__ = ["open_blobs"]
