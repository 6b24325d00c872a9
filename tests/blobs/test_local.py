"""Local-disk specifics: layout, atomic renames, HMAC-signed URLs."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from chirp.blobs.local import LocalBlobStore


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def test_signed_urls_verify_until_they_expire(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path, base_url="http://chirp.test/media", signing_key="secret")
    url = await store.signed_url("media/1/a.jpg", ttl_seconds=60)
    query = _query(url)
    assert url.startswith("http://chirp.test/media/media/1/a.jpg?")
    assert store.verify("media/1/a.jpg", query["expires"], query["signature"])
    assert not store.verify("media/1/b.jpg", query["expires"], query["signature"])  # other key
    assert not store.verify("media/1/a.jpg", str(int(query["expires"]) + 1), query["signature"])
    assert not store.verify("media/1/a.jpg", str(int(time.time()) - 1), query["signature"])
    other = LocalBlobStore(tmp_path, base_url="http://chirp.test/media", signing_key="other")
    assert not other.verify("media/1/a.jpg", query["expires"], query["signature"])


async def test_without_a_configured_key_one_is_made_once_and_kept(tmp_path: Path) -> None:
    first = LocalBlobStore(tmp_path, base_url="http://x/media")
    url = await first.signed_url("k/a", ttl_seconds=60)
    again = LocalBlobStore(tmp_path, base_url="http://x/media")  # e.g. after a restart
    query = _query(url)
    assert again.verify("k/a", query["expires"], query["signature"])
    assert (tmp_path / ".signing-key").stat().st_mode & 0o077 == 0


async def test_nothing_is_created_until_the_first_write_and_empty_dirs_go(tmp_path: Path) -> None:
    root = tmp_path / "media"
    store = LocalBlobStore(root, base_url="http://x/media", signing_key="k")
    assert await store.stat("a/b") is None
    assert not root.exists()
    await store.put("a/b/c.bin", b"x", content_type="text/plain")
    assert (root / "a/b/c.bin").read_bytes() == b"x"
    await store.delete("a/b/c.bin")
    assert not (root / "a").exists() and not (root / ".meta" / "a").exists()
    assert list((root / ".tmp").iterdir()) == []  # no temp files left behind
