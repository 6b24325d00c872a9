"""Followers-only streams stay private whatever CHIRP_MEDIA_SIGNED_URLS says: their playlists
and segments are stored `private` in a folder nobody can name without the signing key, refused
at /media without a valid signature, and played through the signed playback URL; the relay
tells the domain `ended` only once the replay is complete."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

from chirp.core.ports.video import PublishGrant
from chirp.server.app import create_app
from chirp.server.keys import CONTEXT, LIVE_HOOKS
from chirp.video.playback import playback_url, private_prefix
from chirp.video.relay import replay_pending
from tests.e2e.process import free_port
from tests.helpers import make_settings
from tests.video.hooks import RecordingHooks
from tests.video.publisher import publish


class PrivateHooks(RecordingHooks):
    """Every stream followers-only; notes whether the replay was complete when `ended` came."""

    def __init__(self) -> None:
        super().__init__()
        self.blobs = None
        self.prefix = ""
        self.replay_complete_at_end: list[bool] = []

    async def authorize(self, stream_key: str) -> PublishGrant | None:
        grant = await super().authorize(stream_key)
        return None if grant is None else PublishGrant(grant.stream_id, 7, private=True)

    async def ended(self, stream_id: int) -> None:
        assert self.blobs is not None
        self.replay_complete_at_end.append(not await replay_pending(self.blobs, self.prefix))
        await super().ended(stream_id)


def _uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


async def test_private_stream_needs_signed_links(aiohttp_client, tmp_path: Path) -> None:
    port = free_port()
    settings = make_settings(
        data_dir=tmp_path,
        rtmp_port=port,
        live_segment_seconds=1.0,
        live_reconnect_grace_seconds=0,
        media_signed_urls=False,
    )
    app = create_app(settings)
    hooks = PrivateHooks()
    app[LIVE_HOOKS] = hooks
    client = await aiohttp_client(app)
    blobs = hooks.blobs = app[CONTEXT].blobs
    assert blobs is not None
    folder = hooks.prefix = private_prefix(blobs, 42)
    assert folder.startswith("live/42/") and len(folder) == len("live/42/") + 32

    publisher = await publish(f"rtmp://127.0.0.1:{port}/live/{'k' * 43}", seconds=3)
    assert await publisher.wait() == 0
    await asyncio.wait_for(hooks.ended_event.wait(), 30)
    assert hooks.replay_complete_at_end == [True]

    forged = await client.get(f"/media/{folder}/360p/index.m3u8?expires=1&signature=x")
    assert forged.status == 403
    variant = await blobs.read(f"{folder}/360p/index.m3u8")
    segment = _uris(variant.decode())[0]
    for key in ("master.m3u8", "360p/index.m3u8", f"360p/{segment}"):
        info = await blobs.stat(f"{folder}/{key}")
        assert info.cache_control.startswith("private"), key  # no shared cache keeps them
        unsigned = await client.get(f"/media/{folder}/{key}")
        assert unsigned.status == 403 and (await unsigned.json())["error"], key
        # Where a public stream's would be, there is nothing (a public bucket gives none away).
        assert (await client.get(f"/media/live/42/{key}")).status == 404

    url = urlsplit(playback_url(blobs, settings, 42, private=True))
    master = await client.get(f"{url.path}?{url.query}")
    assert master.status == 200
    media = await client.get(f"{url.path.rsplit('/', 1)[0]}/{_uris(await master.text())[0]}")
    assert media.status == 200 and "#EXT-X-ENDLIST" in await media.text()
    signed = urlsplit(_uris(await media.text())[0])
    assert signed.path == f"/media/{folder}/360p/{segment}"
    got = await client.get(f"{signed.path}?{signed.query}")
    assert got.status == 200 and (await got.read())[:1] == b"G"  # MPEG-TS, served when signed
