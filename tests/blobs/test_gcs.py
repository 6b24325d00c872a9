"""GCS specifics against the emulator: objects as the API sees them, public reads, and V4
signed URLs whose RSA signature is checked against the canonical request."""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from chirp.blobs.gcs import GcsBlobStore
from chirp.core.ports.blobs import IMMUTABLE
from tests.blobs.backends import BUCKET, gcs_factory


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return bytes(response.read())


@pytest.fixture
async def gcs(
    emulator: str, tmp_path: Path, signing_info: dict[str, str]
) -> AsyncIterator[GcsBlobStore]:
    async with gcs_factory(signing_info)(tmp_path) as store:
        assert isinstance(store, GcsBlobStore)
        yield store


async def test_objects_carry_content_type_and_cache_control(gcs: GcsBlobStore) -> None:
    await gcs.put(
        "media/1/original-aa.png", b"\x89PNG", content_type="image/png", cache_control=IMMUTABLE
    )
    blob = gcs.bucket.get_blob(f"{gcs.prefix}/media/1/original-aa.png")
    assert blob is not None
    assert (blob.content_type, blob.cache_control, blob.size) == ("image/png", IMMUTABLE, 4)


async def test_public_url_serves_the_object(gcs: GcsBlobStore, emulator: str) -> None:
    await gcs.put("media/2/a.txt", b"hello", content_type="text/plain")
    url = gcs.public_url("media/2/a.txt")
    assert url == f"{emulator}/{BUCKET}/{gcs.prefix}/media/2/a.txt"
    assert _fetch(url) == b"hello"


async def test_public_url_uses_the_cdn_base(emulator: str) -> None:
    from google.cloud import storage

    store = GcsBlobStore(
        storage.Client(project="p"), BUCKET, prefix="m", base_url="https://cdn.example/"
    )
    assert store.public_url("media/3/x.jpg") == "https://cdn.example/m/media/3/x.jpg"


async def test_v4_signed_url(
    gcs: GcsBlobStore, emulator: str, signing_info: dict[str, str]
) -> None:
    await gcs.put("media/4/private.jpg", b"secret bytes", content_type="image/jpeg")
    url = await gcs.signed_url("media/4/private.jpg", ttl_seconds=900)
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    assert query["X-Goog-Algorithm"] == "GOOG4-RSA-SHA256"
    assert query["X-Goog-Expires"] == "900"
    assert query["X-Goog-Credential"].startswith(signing_info["client_email"] + "/")
    assert query["X-Goog-SignedHeaders"] == "host"
    # Rebuild the string-to-sign as Cloud Storage does and check the signature with the key.
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(query.items())
        if k != "X-Goog-Signature"
    )
    canonical_request = "\n".join(
        ["GET", parts.path, canonical_query, f"host:{parts.netloc}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    scope = query["X-Goog-Credential"].split("/", 1)[1]
    string_to_sign = "\n".join(
        [
            "GOOG4-RSA-SHA256",
            query["X-Goog-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = serialization.load_pem_private_key(signing_info["private_key"].encode(), None)
    key.public_key().verify(  # type: ignore[union-attr,call-arg]
        bytes.fromhex(query["X-Goog-Signature"]),
        string_to_sign.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    assert parts.path == f"/{BUCKET}/{gcs.prefix}/media/4/private.jpg"
    assert _fetch(url) == b"secret bytes"  # the emulator does not check signatures
