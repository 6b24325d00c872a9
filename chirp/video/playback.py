"""Where viewers fetch a live stream's HLS.

Public streams: straight from the blob store (`CHIRP_MEDIA_BASE_URL`, the CDN, when set); the
playlists there use relative URIs and the right cache headers, so the CDN serves everything.

Followers-only streams: the domain checks the viewer (`chirp.core.live.can_watch`) and only then
hands out `playback_url(..., private=True)`: a Chirp URL, `/api/v1/chirp/streams/<id>/hls/
master.m3u8?expires=…&signature=…`, valid `CHIRP_LIVE_SIGNED_URL_TTL_SECONDS`. Chirp serves the
playlists under it (`chirp/handlers/live_playback.py`) after checking that signature: the master
with the same signature appended to each variant URI, and each media playlist with every segment
URI replaced by a signed blob URL (V4 on GCS, HMAC on local disk), so the bucket stays private
and the segments still come from the CDN. Playlists are tiny; the bytes never pass through Chirp.

Every signature and the hidden folder's name come from the blob store's signer
(`chirp.core.ports.blobs.UrlSigner`): one rule and one secret for media and live URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from chirp.config import Settings
from chirp.core.ports.blobs import BlobStore, origin_of
from chirp.video import previews
from chirp.video.relay import stream_prefix

MASTER = "master.m3u8"
_VARIANT = re.compile(r"[0-9]{2,4}p/index\.m3u8")


class PlaylistNotFound(LookupError):
    """Not a playlist of this stream, or it has no such playlist (yet)."""


def master_key(stream_id: int) -> str:
    return f"{stream_prefix(stream_id)}/{MASTER}"


def private_prefix(blobs: BlobStore, stream_id: int) -> str:
    """Where the relay stores a followers-only stream (`RelayConfig.private_prefix`):
    `live/<id>/<token>`, the token a keyed digest of the id, so nobody without the signing key
    can name its objects, not even in a public bucket."""
    token = blobs.signer.digest(f"live-prefix\n{stream_id}")
    return f"{stream_prefix(stream_id)}/{token[:32]}"


def blob_prefix(blobs: BlobStore, stream_id: int, *, private: bool) -> str:
    """The folder of a stream's playlists and segments."""
    return private_prefix(blobs, stream_id) if private else stream_prefix(stream_id)


def _signed_name(stream_id: int) -> str:
    """What a playback signature covers: every playlist of one stream."""
    return f"live-playback\n{stream_id}"


def playback_url(blobs: BlobStore, settings: Settings, stream_id: int, private: bool) -> str:
    """The master playlist a player opens. Call it for private streams only after the viewer
    passed the access check: whoever holds the URL can watch until it expires. With
    `CHIRP_MEDIA_SIGNED_URLS` (a private bucket) public streams are signed too."""
    if not private and not settings.media_signed_urls:
        return blobs.public_url(master_key(stream_id))
    base = f"{settings.base_url}/api/v1/chirp/streams/{stream_id}/hls/{MASTER}"
    query = blobs.signer.query(_signed_name(stream_id), settings.live_signed_url_ttl_seconds)
    return f"{base}?{query}"


def low_latency_url(settings: Settings, stream_id: int, playback_url: str) -> str:
    """The Low-Latency HLS master of a live stream, always on Chirp's origin (blocking reloads
    need one), with the signature of `playback_url` when it has one."""
    query = urlsplit(playback_url).query
    base = f"{settings.base_url}/api/v1/chirp/streams/{stream_id}/ll/{MASTER}"
    return f"{base}?{query}" if "signature=" in query else base


@dataclass(frozen=True, slots=True)
class HlsPlayback:
    """`chirp.core.ports.video.LivePlayback` on the relay's HLS in the blob store."""

    blobs: BlobStore
    settings: Settings

    def playback_url(self, stream_id: int, *, private: bool) -> str:
        return playback_url(self.blobs, self.settings, stream_id, private)

    def low_latency_url(self, stream_id: int, playback_url: str) -> str:
        return low_latency_url(self.settings, stream_id, playback_url)

    async def preview_urls(self, stream_id: int, *, private: bool) -> tuple[str, str]:
        """The poster and animated preview the relay keeps beside the stream's playlists
        (`chirp.video.previews`); signed for a followers-only stream."""
        folder = blob_prefix(self.blobs, stream_id, private=private)
        keys = (f"{folder}/{previews.POSTER}", f"{folder}/{previews.PREVIEW}")
        if not private and not self.settings.media_signed_urls:
            return self.blobs.public_url(keys[0]), self.blobs.public_url(keys[1])
        ttl = self.settings.live_signed_url_ttl_seconds
        signed = [await self.blobs.signed_url(key, ttl_seconds=ttl) for key in keys]
        return signed[0], signed[1]


def playback_origins(blobs: BlobStore, settings: Settings) -> list[str]:
    """Every origin a player fetches playlists and segments from: Chirp itself (signed
    playlists, local media) and the blob store's (its public base, the CDN, and where its
    signed URLs point). The watch page's Content-Security-Policy allows exactly these."""
    return list(dict.fromkeys([origin_of(settings.base_url), *blobs.url_origins()]))


def verify_playback(blobs: BlobStore, stream_id: int, expires: str, signature: str) -> bool:
    return blobs.signer.verify(_signed_name(stream_id), expires, signature)


async def private_playlist(
    blobs: BlobStore, settings: Settings, stream_id: int, path: str, expires: str, signature: str
) -> str:
    """The playlist at `path` (`master.m3u8` or `<rung>/index.m3u8`) with signed URIs; the
    caller checked `verify_playback` first."""
    if path != MASTER and not _VARIANT.fullmatch(path):
        raise PlaylistNotFound(path)
    # A followers-only stream's hidden folder, or (signed media URLs) a public stream's.
    for private in (True, False):
        key = f"{blob_prefix(blobs, stream_id, private=private)}/{path}"
        try:
            text = (await blobs.read(key)).decode()
            break
        except LookupError:
            continue
    else:
        raise PlaylistNotFound(path)
    query = urlencode({"expires": expires, "signature": signature})
    folder = key.rsplit("/", 1)[0]
    ttl = settings.live_signed_url_ttl_seconds
    lines = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            if path == MASTER:
                line = f"{line}?{query}"
            else:
                line = await blobs.signed_url(f"{folder}/{line}", ttl_seconds=ttl)
        lines.append(line)
    return "\n".join(lines) + "\n"
