"""Every blob-store backend the conformance suite runs against. A new backend adds one entry."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from chirp.blobs.local import LocalBlobStore
from chirp.core.ports.blobs import BlobStore

BUCKET = "chirp-test"
_prefixes = itertools.count()
BackendFactory = Callable[[Path], AbstractAsyncContextManager[BlobStore]]


@asynccontextmanager
async def local(tmp: Path) -> AsyncIterator[BlobStore]:
    store = LocalBlobStore(tmp / "media", base_url="http://chirp.test/media", signing_key="k")
    try:
        yield store
    finally:
        await store.close()


def service_account_info() -> dict[str, str]:
    """A throwaway service-account key (a fresh RSA key pair): V4 signing is local, so no
    Google account is needed to produce a URL whose signature the tests then verify."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "chirp-test",
        "private_key_id": "test-key",
        "private_key": pem,
        "client_email": "chirp@chirp-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


def gcs_factory(signing_info: dict[str, str]) -> BackendFactory:
    """GCS against the emulator named by STORAGE_EMULATOR_HOST; each store gets its own prefix."""

    @asynccontextmanager
    async def gcs(tmp: Path) -> AsyncIterator[BlobStore]:
        from google.cloud import storage
        from google.oauth2 import service_account

        from chirp.blobs.gcs import GcsBlobStore

        client = storage.Client(project="chirp-test")  # anonymous against the emulator
        signer = service_account.Credentials.from_service_account_info(
            json.loads(json.dumps(signing_info))
        )
        store = GcsBlobStore(
            client,
            BUCKET,
            prefix=f"t{next(_prefixes)}",
            signing_credentials=signer,
            resumable_threshold=512 * 1024,
            chunk_size=256 * 1024,
        )
        try:
            yield store
        finally:
            await store.close()

    return gcs
