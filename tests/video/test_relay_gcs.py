"""The relay on Google Cloud Storage (a real gcp-storage-emulator): objects with the content
types and cache policies a CDN needs, each segment stored before a playlist lists it."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

from chirp.blobs.gcs import GcsBlobStore
from chirp.video.relay import Relay, RelayConfig
from chirp.video.rtmp import RtmpServer
from tests.blobs.backends import gcs_factory
from tests.video.hooks import KEY, RecordingHooks
from tests.video.publisher import publish


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return bytes(response.read())


class PutOrder:
    """Wraps the real store: for each playlist written, were all its segments already there?"""

    def __init__(self, store: GcsBlobStore) -> None:
        self.store = store
        self.stored: set[str] = set()
        self.unlisted_before: list[str] = []
        self.live_playlist_writes = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    async def put(self, key: str, data: bytes, **kw: str) -> object:
        if key.endswith("/index.m3u8"):
            folder = key.rsplit("/", 1)[0]
            for line in data.decode().splitlines():
                if line and not line.startswith("#") and f"{folder}/{line}" not in self.stored:
                    self.unlisted_before.append(f"{folder}/{line}")
            self.live_playlist_writes += "#EXT-X-ENDLIST" not in data.decode()
        info = await self.store.put(key, data, **kw)  # type: ignore[arg-type]
        self.stored.add(key)
        return info

    async def put_file(self, key: str, path: Path, **kw: str) -> object:
        info = await self.store.put_file(key, path, **kw)  # type: ignore[arg-type]
        self.stored.add(key)
        return info


async def test_relay_publishes_to_gcs_with_cdn_headers(
    emulator: str, tmp_path: Path, signing_info: dict[str, str]
) -> None:
    async with gcs_factory(signing_info)(tmp_path) as store:
        assert isinstance(store, GcsBlobStore)
        blobs = PutOrder(store)
        hooks = RecordingHooks()
        relay = Relay(hooks, blobs, RelayConfig(segment_seconds=1.0, grace_seconds=0, cores=2))  # type: ignore[arg-type]
        server = RtmpServer(relay, "127.0.0.1", 0)
        await server.start()
        try:
            publisher = await publish(f"rtmp://127.0.0.1:{server.port}/live/{KEY}", seconds=4)
            name = f"{store.prefix}/live/42/360p/index.m3u8"
            while (live := store.bucket.get_blob(name)) is None:
                await asyncio.sleep(0.2)
            assert live.cache_control == "public, max-age=1"
            assert live.content_type == "application/vnd.apple.mpegurl"
            assert await publisher.wait() == 0
            await asyncio.wait_for(hooks.ended_event.wait(), 30)
        finally:
            await server.close()
            await relay.close()

        assert blobs.unlisted_before == [] and blobs.live_playlist_writes >= 3
        master = store.bucket.get_blob(f"{store.prefix}/live/42/master.m3u8")
        assert master.content_type == "application/vnd.apple.mpegurl"
        ended = store.bucket.get_blob(name)
        assert ended.cache_control == "public, max-age=86400"
        text = ended.download_as_bytes().decode()
        assert text.rstrip().endswith("#EXT-X-ENDLIST")
        first = next(line for line in text.splitlines() if line.endswith(".ts"))
        segment = store.bucket.get_blob(f"{store.prefix}/live/42/360p/{first}")
        assert segment.cache_control == "public, max-age=31536000, immutable"
        assert segment.content_type == "video/mp2t"
        body = await asyncio.to_thread(_fetch, store.public_url(f"live/42/360p/{first}"))
        assert body[:1] == b"G"  # MPEG-TS sync byte, served from the bucket
