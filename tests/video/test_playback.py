"""Playback URLs: public streams straight from the blob store (the CDN), followers-only streams
through signed playlists whose segment URIs are signed blob URLs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from chirp.blobs.local import LocalBlobStore
from chirp.server.app import create_app
from chirp.server.keys import CONTEXT
from chirp.video import hls, playback
from chirp.video.ladder import plan_ladder
from chirp.video.playback import playback_url
from tests.helpers import make_settings


async def _seed(blobs: LocalBlobStore) -> None:
    rungs = plan_ladder(1280, 720, cores=2).rungs
    await blobs.put("live/9/master.m3u8", hls.master_playlist(rungs).encode(), content_type="x")
    segments = [hls.Segment("r000-00000.ts", 2.0, False), hls.Segment("r000-00001.ts", 2.0, False)]
    for rung in rungs:
        text = hls.media_playlist(segments, window=6, target=2.0, ended=False)
        await blobs.put(f"live/9/{rung.name}/index.m3u8", text.encode(), content_type="x")
        for segment in segments:
            await blobs.put(f"live/9/{rung.name}/{segment.uri}", b"ts", content_type="video/mp2t")


async def test_public_stream_plays_from_the_cdn(tmp_path: Path) -> None:
    settings = make_settings(data_dir=tmp_path, media_base_url="https://cdn.example/m")
    blobs = LocalBlobStore(tmp_path, base_url=settings.media_base_url)
    assert (
        playback_url(blobs, settings, 9, private=False)
        == "https://cdn.example/m/live/9/master.m3u8"
    )
    signed_bucket = make_settings(data_dir=tmp_path, media_signed_urls=True)
    url = playback_url(blobs, signed_bucket, 9, private=False)
    assert "/api/v1/chirp/streams/9/hls/master.m3u8?expires=" in url


async def test_private_stream_playlists_carry_signed_uris(aiohttp_client, tmp_path: Path) -> None:
    settings = make_settings(data_dir=tmp_path, media_signing_key="s3cret")
    app = create_app(settings)
    client = await aiohttp_client(app)
    blobs = app[CONTEXT].blobs
    assert isinstance(blobs, LocalBlobStore)
    await _seed(blobs)

    url = playback_url(blobs, settings, 9, private=True)
    parts = urlsplit(url)
    assert parts.path == "/api/v1/chirp/streams/9/hls/master.m3u8"
    master = await client.get(f"{parts.path}?{parts.query}")
    assert master.status == 200 and master.headers["Cache-Control"] == "private, max-age=1"
    variants = [
        line for line in (await master.text()).splitlines() if line and not line.startswith("#")
    ]
    assert variants[0] == f"720p/index.m3u8?{parts.query}" and len(variants) == 3

    media = await client.get(f"/api/v1/chirp/streams/9/hls/{variants[0]}")
    segments = [
        line for line in (await media.text()).splitlines() if line and not line.startswith("#")
    ]
    assert len(segments) == 2
    signed = urlsplit(segments[0])
    assert signed.path == "/media/live/9/720p/r000-00000.ts"
    assert set(parse_qs(signed.query)) == {"expires", "signature"}
    fetched = await client.get(f"{signed.path}?{signed.query}")
    assert fetched.status == 200 and await fetched.read() == b"ts"

    tampered = parts.query.replace("signature=", "signature=0")
    assert (await client.get(f"{parts.path}?{tampered}")).status == 404
    assert (await client.get("/api/v1/chirp/streams/9/hls/master.m3u8")).status == 404
    other = await client.get(f"/api/v1/chirp/streams/10/hls/master.m3u8?{parts.query}")
    assert other.status == 404
    escape = await client.get(f"/api/v1/chirp/streams/9/hls/../secret?{parts.query}")
    assert escape.status == 404
    assert (await escape.json())["error"]


async def test_live_playback_shares_the_kept_key(tmp_path: Path) -> None:
    """Without a configured key, every process on the store's disk signs live playlists and
    names hidden stream folders alike (the key file), across restarts too."""
    first = LocalBlobStore(tmp_path, base_url="http://x/media")
    again = LocalBlobStore(tmp_path, base_url="http://x/media")
    assert playback.private_prefix(first, 42) == playback.private_prefix(again, 42)
    query = parse_qs(first.signer.query("live-playback\n42", 60))
    expires, signature = query["expires"][0], query["signature"][0]
    assert playback.verify_playback(again, 42, expires, signature)
    assert not playback.verify_playback(again, 43, expires, signature)
    # A blob's signature never opens a playlist, nor the other way round.
    blob = _query_of(await first.signed_url("live/42/master.m3u8", ttl_seconds=60))
    assert not playback.verify_playback(first, 42, blob["expires"], blob["signature"])
    assert not first.verify("live/42/master.m3u8", expires, signature)


def _query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
