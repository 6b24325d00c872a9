"""Blob-store port conformance: every backend in `backends.py` (local disk, GCS on the
emulator) must pass. Written against `chirp.blobs.BlobStore` alone."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from chirp.core.ports.blobs import IMMUTABLE, BlobNotFound, BlobStore, InvalidKey, UrlSigner


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_put_then_read_stat_and_exists(blobs: BlobStore) -> None:
    info = await blobs.put(
        "media/1/original-abc.jpg",
        b"\xff\xd8jpeg bytes",
        content_type="image/jpeg",
        cache_control=IMMUTABLE,
    )
    assert (info.key, info.size, info.content_type, info.cache_control) == (
        "media/1/original-abc.jpg",
        12,
        "image/jpeg",
        IMMUTABLE,
    )
    assert info.etag.startswith('"') and info.etag.endswith('"') and len(info.etag) > 2
    assert await blobs.read("media/1/original-abc.jpg") == b"\xff\xd8jpeg bytes"
    stat = await blobs.stat("media/1/original-abc.jpg")
    assert stat is not None
    assert (stat.size, stat.content_type, stat.cache_control, stat.etag) == (
        12,
        "image/jpeg",
        IMMUTABLE,
        info.etag,
    )
    assert await blobs.exists("media/1/original-abc.jpg")


async def test_each_object_keeps_its_own_cache_policy(blobs: BlobStore) -> None:
    await blobs.put(
        "live/7/seg-00001.ts", b"segment", content_type="video/mp2t", cache_control=IMMUTABLE
    )
    await blobs.put(
        "live/7/playlist.m3u8",
        b"#EXTM3U\n",
        content_type="application/vnd.apple.mpegurl",
        cache_control="public, max-age=1",
    )
    playlist, segment = (
        await blobs.stat("live/7/playlist.m3u8"),
        await blobs.stat("live/7/seg-00001.ts"),
    )
    assert playlist is not None and segment is not None
    assert (playlist.content_type, playlist.cache_control) == (
        "application/vnd.apple.mpegurl",
        "public, max-age=1",
    )
    assert (segment.content_type, segment.cache_control) == ("video/mp2t", IMMUTABLE)


async def test_put_replaces_and_the_etag_follows_the_bytes(blobs: BlobStore) -> None:
    first = await blobs.put("live/1/playlist.m3u8", b"one", content_type="text/plain")
    second = await blobs.put("live/1/playlist.m3u8", b"two!", content_type="text/plain")
    assert first.etag != second.etag
    assert await blobs.read("live/1/playlist.m3u8") == b"two!"
    stat = await blobs.stat("live/1/playlist.m3u8")
    assert stat is not None and stat.size == 4 and stat.etag == second.etag


async def test_streamed_put_and_empty_object(blobs: BlobStore) -> None:
    info = await blobs.put(
        "a/stream.bin", _chunks(b"ab", b"", b"cde"), content_type="application/octet-stream"
    )
    assert info.size == 5 and await blobs.read("a/stream.bin") == b"abcde"
    empty = await blobs.put("a/empty.bin", b"", content_type="application/octet-stream")
    assert empty.size == 0 and await blobs.read("a/empty.bin") == b""
    assert await blobs.exists("a/empty.bin")


async def test_a_failed_streamed_put_leaves_the_old_object_whole(blobs: BlobStore) -> None:
    await blobs.put("a/x.bin", b"old", content_type="text/plain")

    async def broken() -> AsyncIterator[bytes]:
        yield b"new half"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await blobs.put("a/x.bin", broken(), content_type="text/plain")
    with pytest.raises(ConnectionResetError):
        await blobs.put("a/never.bin", broken(), content_type="text/plain")
    assert await blobs.read("a/x.bin") == b"old"
    assert not await blobs.exists("a/never.bin")


async def test_put_file_large_enough_for_a_resumable_upload(
    blobs: BlobStore, tmp_path: Path
) -> None:
    payload = os.urandom(1_300_000)  # past the test backends' resumable threshold, 6 chunks
    source = tmp_path / "video.mp4"
    source.write_bytes(payload)
    info = await blobs.put_file(
        "media/9/video.mp4", source, content_type="video/mp4", cache_control=IMMUTABLE
    )
    assert info.size == len(payload)
    stat = await blobs.stat("media/9/video.mp4")
    assert stat is not None and (stat.content_type, stat.cache_control, stat.size) == (
        "video/mp4",
        IMMUTABLE,
        len(payload),
    )
    assert (
        hashlib.sha256(await blobs.read("media/9/video.mp4")).digest()
        == hashlib.sha256(payload).digest()
    )


async def test_byte_ranges(blobs: BlobStore) -> None:
    data = bytes(range(256)) * 40  # 10 240 bytes
    await blobs.put("r/data.bin", data, content_type="application/octet-stream")
    assert await blobs.read("r/data.bin", offset=100, length=10) == data[100:110]
    assert await blobs.read("r/data.bin", offset=10_200) == data[10_200:]
    assert (
        await blobs.read("r/data.bin", offset=10_230, length=100) == data[10_230:]
    )  # cut at the end
    assert await blobs.read("r/data.bin", offset=20_000) == b""
    assert await blobs.read("r/data.bin", offset=5, length=0) == b""
    streamed = [
        chunk async for chunk in blobs.open("r/data.bin", offset=1000, length=5000, chunk_size=1024)
    ]
    assert b"".join(streamed) == data[1000:6000]
    assert all(len(chunk) <= 1024 for chunk in streamed) and len(streamed) >= 5
    whole = [chunk async for chunk in blobs.open("r/data.bin", chunk_size=4096)]
    assert b"".join(whole) == data


async def test_missing_objects(blobs: BlobStore) -> None:
    assert await blobs.stat("no/such.bin") is None
    assert not await blobs.exists("no/such.bin")
    with pytest.raises(BlobNotFound):
        await blobs.read("no/such.bin")
    with pytest.raises(BlobNotFound):
        async for _ in blobs.open("no/such.bin"):
            pass
    assert await blobs.delete("no/such.bin") is False


async def test_delete(blobs: BlobStore) -> None:
    await blobs.put("d/1/a.bin", b"a", content_type="text/plain")
    await blobs.put("d/1/b.bin", b"b", content_type="text/plain")
    assert await blobs.delete("d/1/a.bin") is True
    assert not await blobs.exists("d/1/a.bin")
    assert await blobs.delete("d/1/a.bin") is False
    assert await blobs.read("d/1/b.bin") == b"b"  # neighbours untouched


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/abs",
        "../up",
        "a/../b",
        "a//b",
        ".hidden",
        "a/.meta",
        "a b",
        "a\\b",
        "x/",
        "é",
        "a" * 600,
    ],
)
async def test_invalid_keys_are_refused(blobs: BlobStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        await blobs.put(key, b"x", content_type="text/plain")
    with pytest.raises(InvalidKey):
        await blobs.stat(key)
    with pytest.raises(InvalidKey):
        blobs.public_url(key)


async def test_urls_name_the_key(blobs: BlobStore) -> None:
    await blobs.put("media/5/small-ff.webp", b"x", content_type="image/webp")
    assert blobs.public_url("media/5/small-ff.webp").endswith("/media/5/small-ff.webp")
    signed = await blobs.signed_url("media/5/small-ff.webp", ttl_seconds=600)
    assert "/media/5/small-ff.webp?" in signed
    assert signed != await blobs.signed_url("media/5/small-ff.webp", ttl_seconds=1200)


async def test_a_store_that_serves_its_own_urls_verifies_its_signatures(blobs: BlobStore) -> None:
    await blobs.put("media/6/small-ee.webp", b"x", content_type="image/webp")
    query = parse_qs(
        urlsplit(await blobs.signed_url("media/6/small-ee.webp", ttl_seconds=600)).query
    )
    expires, signature = query.get("expires", [""])[0], query.get("signature", [""])[0]
    # Chirp's media route serves a store's objects only when the store says it serves them.
    assert blobs.verify("media/6/small-ee.webp", expires, signature) is blobs.serves_own_urls
    assert not blobs.verify("media/6/other.webp", expires, signature)
    assert not blobs.verify("media/6/small-ee.webp", "1", signature)


async def test_the_signer_signs_what_chirp_serves_with_one_rule(blobs: BlobStore) -> None:
    """Every store signs the URLs Chirp checks itself (live playlists everywhere, its own blob
    URLs on local disk) with the same rule: HMAC-SHA256 of `<name>\\n<expires>`."""
    assert isinstance(blobs.signer, UrlSigner)
    query = parse_qs(blobs.signer.query("live-playback\n7", 600))
    expires, signature = query["expires"][0], query["signature"][0]
    assert blobs.signer.verify("live-playback\n7", expires, signature)
    assert not blobs.signer.verify("live-playback\n8", expires, signature)
    assert not blobs.signer.verify("live-playback\n7", str(int(expires) + 1), signature)
    assert not blobs.signer.verify("live-playback\n7", "1", signature)
    assert blobs.signer.digest("live-prefix\n7") == blobs.signer.digest("live-prefix\n7")
    assert blobs.signer.digest("live-prefix\n7") != blobs.signer.digest("live-prefix\n8")
    if blobs.serves_own_urls:  # its blob URLs carry the signer's signature of the key
        signed = await blobs.signed_url("media/7/a.webp", ttl_seconds=600)
        blob = parse_qs(urlsplit(signed).query)
        assert blobs.signer.verify("media/7/a.webp", blob["expires"][0], blob["signature"][0])


async def test_url_origins_cover_every_url_it_hands_out(blobs: BlobStore) -> None:
    """Pages allow these origins in their Content-Security-Policy: a URL outside them would not
    load in the watch page or the web app."""
    origins = blobs.url_origins()
    public = blobs.public_url("live/1/master.m3u8")
    signed = await blobs.signed_url("live/1/master.m3u8", ttl_seconds=60)
    for url in (public, signed):
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" in origins, url
