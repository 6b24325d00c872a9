"""Blobs on local disk (the embedded default), served by Chirp itself under `/media/...`.

Layout under the root (`<data_dir>/media`): the object's bytes at `<key>`, its metadata (content
type, cache control, ETag) at `.meta/<key>.json`, uploads in progress in `.tmp/`. Keys never have
segments starting with a dot, so these never collide with objects. Every write lands in `.tmp/`
first and is renamed into place: a reader sees the old object or the new one, never a part.
Directories are created on first write, so an app that never stores media leaves no trace.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import quote

import orjson

from chirp.core.ports.blobs import (
    CHUNK_SIZE,
    DEFAULT_CACHE_CONTROL,
    BlobInfo,
    BlobNotFound,
    UrlSigner,
    check_key,
    origin_of,
)


class LocalBlobStore:
    """Implements `chirp.core.ports.blobs.BlobStore` on a directory."""

    serves_own_urls = True  # through the `/media` route

    def __init__(self, root: Path, *, base_url: str, signing_key: str = "") -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")
        self._signing_key = signing_key.encode() if signing_key else b""
        self.signer = UrlSigner(self._secret)

    # -- writing ---------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        data: bytes | AsyncIterable[bytes],
        *,
        content_type: str,
        cache_control: str = DEFAULT_CACHE_CONTROL,
    ) -> BlobInfo:
        check_key(key)
        handle, tmp = await asyncio.to_thread(self._temp_file)
        digest = hashlib.sha256()
        size = 0
        try:
            if isinstance(data, bytes):
                digest.update(data)
                size = len(data)
                await asyncio.to_thread(handle.write, data)
            else:
                async for chunk in data:
                    digest.update(chunk)
                    size += len(chunk)
                    await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
            return await asyncio.to_thread(
                self._commit, key, tmp, size, digest.hexdigest(), content_type, cache_control
            )
        except BaseException:
            handle.close()
            tmp.unlink(missing_ok=True)
            raise

    async def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,
        cache_control: str = DEFAULT_CACHE_CONTROL,
    ) -> BlobInfo:
        check_key(key)
        return await asyncio.to_thread(self._put_file, key, path, content_type, cache_control)

    def _put_file(self, key: str, path: Path, content_type: str, cache_control: str) -> BlobInfo:
        handle, tmp = self._temp_file()
        digest = hashlib.sha256()
        size = 0
        try:
            with handle, path.open("rb") as source:
                while chunk := source.read(1024 * 1024):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
            return self._commit(key, tmp, size, digest.hexdigest(), content_type, cache_control)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _temp_file(self) -> tuple[IO[bytes], Path]:
        tmp_dir = self.root / ".tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir)
        return os.fdopen(fd, "wb"), Path(name)

    def _commit(
        self, key: str, tmp: Path, size: int, sha256: str, content_type: str, cache_control: str
    ) -> BlobInfo:
        info = BlobInfo(
            key=key,
            size=size,
            content_type=content_type,
            cache_control=cache_control,
            etag=f'"{sha256[:32]}"',
            updated_at=datetime.now(UTC),
        )
        meta = {
            "content_type": content_type,
            "cache_control": cache_control,
            "etag": info.etag,
            "size": size,
            "updated_at": info.updated_at.isoformat(),
        }
        target, meta_path = self._paths(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        meta_tmp = tmp.with_suffix(".json")
        meta_tmp.write_bytes(orjson.dumps(meta))
        os.replace(tmp, target)
        os.replace(meta_tmp, meta_path)
        return info

    # -- reading ---------------------------------------------------------------------------

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.root / key, self.root / ".meta" / f"{key}.json"

    def path_of(self, key: str) -> Path:
        return self._paths(check_key(key))[0]

    def _stat(self, key: str) -> BlobInfo | None:
        target, meta_path = self._paths(key)
        try:
            st = target.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not target.is_file():
            return None
        try:
            meta = orjson.loads(meta_path.read_bytes())
        except (FileNotFoundError, NotADirectoryError, orjson.JSONDecodeError):
            meta = {}
        if meta.get("size") != st.st_size:  # bytes replaced behind our back: derive an ETag
            meta["etag"] = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
        return BlobInfo(
            key=key,
            size=st.st_size,
            content_type=meta.get("content_type", "application/octet-stream"),
            cache_control=meta.get("cache_control", DEFAULT_CACHE_CONTROL),
            etag=meta["etag"],
            updated_at=datetime.fromtimestamp(st.st_mtime, UTC),
        )

    async def stat(self, key: str) -> BlobInfo | None:
        return await asyncio.to_thread(self._stat, check_key(key))

    async def exists(self, key: str) -> bool:
        return await self.stat(key) is not None

    async def read(self, key: str, *, offset: int = 0, length: int | None = None) -> bytes:
        check_key(key)
        return await asyncio.to_thread(self._read, key, offset, length)

    def _read(self, key: str, offset: int, length: int | None) -> bytes:
        target, _ = self._paths(key)
        try:
            with target.open("rb") as handle:
                handle.seek(offset)
                return handle.read() if length is None else handle.read(length)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise BlobNotFound(key) from None

    async def open(
        self, key: str, *, offset: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        check_key(key)
        target, _ = self._paths(key)
        try:
            handle = await asyncio.to_thread(target.open, "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise BlobNotFound(key) from None
        try:
            await asyncio.to_thread(handle.seek, offset)
            remaining = length
            while remaining is None or remaining > 0:
                want = chunk_size if remaining is None else min(chunk_size, remaining)
                chunk = await asyncio.to_thread(handle.read, want)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> bool:
        check_key(key)
        return await asyncio.to_thread(self._delete, key)

    def _delete(self, key: str) -> bool:
        target, meta_path = self._paths(key)
        meta_path.unlink(missing_ok=True)
        try:
            target.unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return False
        for folder in (target.parent, meta_path.parent):  # drop directories left empty
            while folder not in (self.root, self.root / ".meta"):
                try:
                    folder.rmdir()
                except OSError:
                    break
                folder = folder.parent
        return True

    # -- URLs ------------------------------------------------------------------------------

    def public_url(self, key: str) -> str:
        return f"{self.base_url}/{quote(check_key(key))}"

    def url_origins(self) -> list[str]:
        return [origin_of(self.base_url)]

    async def signed_url(self, key: str, *, ttl_seconds: int) -> str:
        # In a thread: the first signature may read (or make) the key file.
        query = await asyncio.to_thread(self.signer.query, check_key(key), ttl_seconds)
        return f"{self.public_url(key)}?{query}"

    def verify(self, key: str, expires: str, signature: str) -> bool:
        """Is this an unexpired signature of ours for `key`? (Checked by the `/media` route.)"""
        return self.signer.verify(key, expires, signature)

    def _secret(self) -> bytes:
        """`CHIRP_MEDIA_SIGNING_KEY`, or a random key kept beside the blobs (made on first use)."""
        if not self._signing_key:
            path = self.root / ".signing-key"
            try:
                self._signing_key = path.read_bytes()
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                fresh = secrets.token_bytes(32)
                tmp = path.with_suffix(f".{secrets.token_hex(4)}")
                tmp.write_bytes(fresh)
                os.chmod(tmp, 0o600)
                try:  # two processes racing: the first link wins, both read the winner
                    os.link(tmp, path)
                except FileExistsError:
                    pass
                finally:
                    tmp.unlink()
                self._signing_key = path.read_bytes()
        return self._signing_key

    async def close(self) -> None:
        tmp_dir = self.root / ".tmp"
        if tmp_dir.is_dir():
            await asyncio.to_thread(shutil.rmtree, tmp_dir, True)
