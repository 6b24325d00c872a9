"""The media API with real files: photos with EXIF/GPS, rotated photos, bombs, disguised HTML,
corrupt and empty files, animated GIFs and short videos made with PyAV."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import av
import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application
from PIL import Image

from chirp.core.ports.blobs import IMMUTABLE
from tests.helpers import User, post
from tests.media import samples
from tests.media.conftest import local_path, stored_objects, upload, wait_processed


async def fetch(
    client: TestClient, url: str, **headers: str
) -> tuple[int, Mapping[str, str], bytes]:
    response = await client.get(local_path(url), headers=headers)
    return response.status, response.headers, await response.read()


async def test_photo_is_upright_stripped_resized_and_served_immutable(
    client: TestClient, alice: User
) -> None:
    status, body = await upload(
        client,
        alice,
        samples.photo(1200, 800, orientation=6),
        filename="IMG_0001.JPG",
        content_type="image/jpeg",
        description="A gradient, sideways",
        focus="0.5,-0.25",
    )
    assert status == 200, body
    assert body["type"] == "image"
    assert body["description"] == "A gradient, sideways"
    assert body["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert body["meta"]["original"]["width"] == 800 and body["meta"]["original"]["height"] == 1200
    assert max(body["meta"]["small"]["width"], body["meta"]["small"]["height"]) == 640
    assert isinstance(body["blurhash"], str) and len(body["blurhash"]) == 28
    code, headers, data = await fetch(client, body["url"])
    assert code == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == IMMUTABLE
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["ETag"]
    image = Image.open(io.BytesIO(data))
    assert image.size == (800, 1200)
    assert dict(image.getexif()) == {}  # no GPS, no camera make, no orientation tag
    assert b"ChirpCam" not in data
    red_corner = image.convert("RGB").getpixel((image.width - 10, 10))
    assert isinstance(red_corner, tuple) and red_corner[0] > 200 and red_corner[1] < 60
    code, headers, preview = await fetch(client, body["preview_url"])
    assert code == 200 and Image.open(io.BytesIO(preview)).size == (427, 640)


async def test_big_photos_are_scaled_to_the_maximum_edge(client: TestClient, alice: User) -> None:
    status, body = await upload(client, alice, samples.photo(5000, 2500, gps=False))
    assert status == 200, body
    assert (body["meta"]["original"]["width"], body["meta"]["original"]["height"]) == (3840, 1920)


async def test_transparent_png_stays_png(client: TestClient, alice: User) -> None:
    status, body = await upload(client, alice, samples.transparent_png(), content_type="image/png")
    assert status == 200, body
    _, headers, data = await fetch(client, body["url"])
    assert headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(data)).mode == "RGBA"


async def test_ranges_etags_and_head(client: TestClient, alice: User) -> None:
    _, body = await upload(client, alice, samples.photo(gps=False))
    code, headers, whole = await fetch(client, body["url"])
    code, part_headers, part = await fetch(client, body["url"], Range="bytes=10-29")
    assert code == 206 and part == whole[10:30]
    assert part_headers["Content-Range"] == f"bytes 10-29/{len(whole)}"
    code, _, tail = await fetch(client, body["url"], Range="bytes=-5")
    assert code == 206 and tail == whole[-5:]
    code, headers416, _ = await fetch(client, body["url"], Range=f"bytes={len(whole)}-")
    assert code == 416 and headers416["Content-Range"] == f"bytes */{len(whole)}"
    code, _, _ = await fetch(client, body["url"], **{"If-None-Match": headers["ETag"]})
    assert code == 304
    code, _, stale = await fetch(client, body["url"], Range="bytes=0-1", **{"If-Range": '"old"'})
    assert code == 200 and stale == whole
    head = await client.head(local_path(body["url"]))
    assert head.status == 200 and int(head.headers["Content-Length"]) == len(whole)


HOSTILE: list[tuple[str, bytes, str, str]] = [
    (
        "html as jpeg",
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "image/jpeg",
        "not a supported",
    ),
    (
        "svg",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
        "not a supported",
    ),
    ("script", b"#!/bin/sh\nrm -rf /\n", "image/png", "not a supported"),
    ("zero bytes", b"", "image/jpeg", "empty"),
    ("truncated jpeg", samples.photo(gps=False)[:3000], "image/jpeg", "truncated"),
    ("png magic then junk", b"\x89PNG\r\n\x1a\n" + b"\x00junk" * 100, "image/png", "corrupt"),
    ("bomb header", samples.png_bomb_header(), "image/png", "too large"),
    ("real bomb", samples.png_bomb(8000), "image/png", "too large"),
    ("mp4 magic then junk", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 2000, "video/mp4", "corrupt"),
    ("heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100, "image/heic", "not a supported"),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "image/jpeg", "not a supported"),
]


@pytest.mark.parametrize(
    ("label", "data", "content_type", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
async def test_hostile_files_get_422_and_leave_nothing_behind(
    client: TestClient,
    alice: User,
    media_root: Path,
    label: str,
    data: bytes,
    content_type: str,
    reason: str,
) -> None:
    status, body = await upload(client, alice, data, filename="cat.jpg", content_type=content_type)
    assert status == 422, (label, body)
    assert reason in body["error"], body
    assert stored_objects(media_root) == []


async def test_polyglot_payload_does_not_survive_re_encoding(
    client: TestClient, alice: User
) -> None:
    payload = b"<html><script>alert(document.cookie)</script></html>"
    status, body = await upload(client, alice, samples.photo(gps=False) + payload)
    assert status == 200, body
    _, headers, data = await fetch(client, body["url"])
    assert payload not in data and b"<script" not in data
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("media_overrides", [{"media_image_max_bytes": 20_000}])
async def test_size_cap_is_enforced_while_streaming(
    client: TestClient, alice: User, media_root: Path
) -> None:
    status, body = await upload(client, alice, samples.photo(2000, 1500, gps=False))
    assert status == 422 and "too large" in body["error"] and "image limit" in body["error"]
    assert stored_objects(media_root) == []


async def test_video_is_transcoded_in_the_background(
    client: TestClient, app: Application, alice: User, tmp_path: Path
) -> None:
    clip = samples.video(
        tmp_path / "clip.mp4", seconds=2, size=(640, 360), rotation=90, codec="mpeg4"
    )
    status, body = await upload(client, alice, clip.read_bytes(), content_type="video/mp4")
    assert status == 202, body
    assert body["type"] == "video" and body["url"] is None
    early = await client.get(f"/api/v1/media/{body['id']}", headers=alice.headers)
    assert early.status in (206, 200)
    await wait_processed(app)
    done = await client.get(f"/api/v1/media/{body['id']}", headers=alice.headers)
    assert done.status == 200
    video = await done.json()
    assert video["meta"]["original"]["width"] == 360 and video["meta"]["original"]["height"] == 640
    assert 1.8 <= video["meta"]["duration"] <= 2.2 and video["meta"]["audio_encode"]
    code, headers, data = await fetch(client, video["url"])
    assert code == 200 and headers["Content-Type"] == "video/mp4"
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: the index comes first
    (tmp_path / "out.mp4").write_bytes(data)
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
    code, headers, poster = await fetch(client, video["preview_url"])
    assert headers["Content-Type"] == "image/jpeg" and Image.open(io.BytesIO(poster)).size == (
        360,
        640,
    )
    code, headers, part = await fetch(client, video["url"], Range="bytes=0-99")
    assert code == 206 and part == data[:100]


async def test_webm_with_a_custom_thumbnail(
    client: TestClient, app: Application, alice: User, tmp_path: Path
) -> None:
    clip = samples.video(
        tmp_path / "clip.webm", seconds=1, container="webm", codec="libvpx-vp9", audio=False
    )
    status, body = await upload(
        client,
        alice,
        clip.read_bytes(),
        content_type="video/webm",
        thumbnail=samples.photo(300, 200, gps=True),
    )
    assert status == 202, body
    await wait_processed(app)
    video = await (await client.get(f"/api/v1/media/{body['id']}", headers=alice.headers)).json()
    assert video["meta"]["small"]["width"] == 300
    code, _, thumb = await fetch(client, video["preview_url"])
    assert code == 200 and dict(Image.open(io.BytesIO(thumb)).getexif()) == {}


async def test_animated_gif_becomes_gifv(client: TestClient, app: Application, alice: User) -> None:
    status, body = await upload(client, alice, samples.animated_gif(), content_type="image/gif")
    assert status == 202 and body["type"] == "gifv"
    await wait_processed(app)
    done = await (await client.get(f"/api/v1/media/{body['id']}", headers=alice.headers)).json()
    assert done["url"].endswith(".mp4") and done["meta"]["original"]["width"] == 160
    static_status, still = await upload(
        client, alice, samples.static_gif(), content_type="image/gif"
    )
    assert static_status == 200 and still["type"] == "image"


@pytest.mark.parametrize("media_overrides", [{"media_video_max_seconds": 1.0}])
async def test_too_long_video_is_refused_at_upload(
    client: TestClient, alice: User, tmp_path: Path, media_root: Path
) -> None:
    clip = samples.video(tmp_path / "long.mp4", seconds=3, audio=False)
    status, body = await upload(client, alice, clip.read_bytes())
    assert status == 422 and "too long" in body["error"]
    assert stored_objects(media_root) == []


@pytest.mark.parametrize("media_overrides", [{"media_image_timeout_seconds": 0.001}])
async def test_processing_timeout_is_a_clear_422(client: TestClient, alice: User) -> None:
    status, body = await upload(client, alice, samples.photo(gps=False))
    assert status == 422 and "longer than" in body["error"]


async def test_only_the_owner_sees_and_edits_an_upload(
    client: TestClient, alice: User, bob: User
) -> None:
    _, body = await upload(client, alice, samples.photo(gps=False))
    assert (await client.get(f"/api/v1/media/{body['id']}", headers=bob.headers)).status == 404
    assert (
        await client.put(
            f"/api/v1/media/{body['id']}", headers=bob.headers, json={"description": "x"}
        )
    ).status == 404
    response = await client.put(
        f"/api/v1/media/{body['id']}",
        headers=alice.headers,
        json={"description": "Now described", "focus": "-1,1"},
    )
    assert response.status == 200
    updated = await response.json()
    assert updated["description"] == "Now described" and updated["meta"]["focus"] == {
        "x": -1.0,
        "y": 1.0,
    }
    bad = await client.put(
        f"/api/v1/media/{body['id']}", headers=alice.headers, json={"focus": "3,0"}
    )
    assert bad.status == 422


async def _tweet_with(client: TestClient, user: User, media_ids: list[str], text: str = "") -> Any:
    return await client.post(
        "/api/v1/statuses", headers=user.headers, json={"status": text, "media_ids": media_ids}
    )


async def test_tweets_carry_up_to_four_of_ones_own_ready_media(
    client: TestClient, app: Application, alice: User, bob: User, tmp_path: Path
) -> None:
    ids = [
        (await upload(client, alice, samples.photo(200, 100, gps=False)))[1]["id"] for _ in range(5)
    ]
    too_many = await _tweet_with(client, alice, ids)
    assert too_many.status == 422 and "at most 4" in (await too_many.json())["error"]
    bobs = (await upload(client, bob, samples.photo(gps=False)))[1]["id"]
    assert (await _tweet_with(client, alice, [ids[0], bobs])).status == 422
    clip = samples.video(tmp_path / "c.mp4", seconds=1, audio=False)
    _, processing = await upload(client, alice, clip.read_bytes())
    pending = await _tweet_with(client, alice, [processing["id"]])
    assert pending.status == 422 and "finished processing" in (await pending.json())["error"]
    response = await _tweet_with(client, alice, ids[:4])  # no text: a photo needs no words
    assert response.status == 200, await response.text()
    status = await response.json()
    assert [m["id"] for m in status["media_attachments"]] == ids[:4]
    assert all(m["url"] and m["preview_url"] and m["blurhash"] for m in status["media_attachments"])
    again = await _tweet_with(client, alice, [ids[0]], "again")
    assert again.status == 422 and "already attached" in (await again.json())["error"]
    await wait_processed(app)
    shown = await (await client.get(f"/api/v1/statuses/{status['id']}")).json()
    assert [m["id"] for m in shown["media_attachments"]] == ids[:4]


async def test_only_media_edit_and_delete_and_redraft(client: TestClient, alice: User) -> None:
    first = (await upload(client, alice, samples.photo(200, 100, gps=False)))[1]["id"]
    second = (await upload(client, alice, samples.photo(100, 200, gps=False)))[1]["id"]
    plain = await post(client, alice, "words only")
    pictured = await (await _tweet_with(client, alice, [first], "with a picture")).json()
    media_only = await client.get(f"/api/v1/accounts/{alice.id}/statuses?only_media=true")
    assert [s["id"] for s in await media_only.json()] == [pictured["id"]]
    everything = await client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert [s["id"] for s in await everything.json()] == [pictured["id"], plain["id"]]
    public = await client.get("/api/v1/timelines/public?only_media=true")
    assert [s["id"] for s in await public.json()] == [pictured["id"]]
    edited = await client.put(
        f"/api/v1/statuses/{pictured['id']}",
        headers=alice.headers,
        json={"status": "swapped", "media_ids": [second]},
    )
    assert edited.status == 200 and [
        m["id"] for m in (await edited.json())["media_attachments"]
    ] == [second]
    kept = await client.put(
        f"/api/v1/statuses/{pictured['id']}", headers=alice.headers, json={"status": "kept"}
    )
    assert [m["id"] for m in (await kept.json())["media_attachments"]] == [second]
    deleted = await client.delete(f"/api/v1/statuses/{pictured['id']}", headers=alice.headers)
    assert [m["id"] for m in (await deleted.json())["media_attachments"]] == [second]
    redraft = await _tweet_with(client, alice, [second], "redrafted")  # detached: usable again
    assert redraft.status == 200


async def test_unattached_uploads_are_collected(
    client: TestClient,
    app: Application,
    alice: User,
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import timedelta

    from chirp.core.context import Context
    from chirp.core.media import collect_unattached_media
    from chirp.server.keys import CONTEXT

    kept = (await upload(client, alice, samples.photo(200, 100, gps=False)))[1]
    dropped = (await upload(client, alice, samples.photo(100, 200, gps=False)))[1]
    await _tweet_with(client, alice, [kept["id"]], "kept")
    assert len(stored_objects(media_root)) == 4
    later = Context.now() + timedelta(days=2)
    monkeypatch.setattr(Context, "now", staticmethod(lambda: later))
    assert await collect_unattached_media(app[CONTEXT]) == 1
    assert (await client.get(f"/api/v1/media/{dropped['id']}", headers=alice.headers)).status == 404
    assert (await client.get(f"/api/v1/media/{kept['id']}", headers=alice.headers)).status == 200
    remaining = stored_objects(media_root)
    assert len(remaining) == 2 and all(f"media/{kept['id']}/" in key for key in remaining)


@pytest.mark.parametrize(
    "media_overrides", [{"media_signed_urls": True, "media_signed_url_ttl_seconds": 600}]
)
async def test_signed_urls(client: TestClient, alice: User) -> None:
    _, body = await upload(client, alice, samples.photo(gps=False))
    assert "signature=" in body["url"] and "expires=" in body["url"]
    code, headers, _ = await fetch(client, body["url"])
    assert code == 200 and headers["Cache-Control"].startswith("private, max-age=")
    assert (await fetch(client, body["url"].split("?")[0]))[0] == 403
    assert (await fetch(client, body["url"][:-3] + "000"))[0] == 403


async def test_upload_needs_a_file_and_multipart(client: TestClient, alice: User) -> None:
    response = await client.post("/api/v2/media", headers=alice.headers, json={"description": "x"})
    assert response.status == 422
    from aiohttp import FormData

    form = FormData()
    form.add_field("description", "no file")
    form.add_field("other", "x", filename="x.txt")
    response = await client.post("/api/v2/media", headers=alice.headers, data=form)
    assert response.status == 422 and "blank" in (await response.json())["error"]
    assert (await client.post("/api/v2/media", data=form)).status == 401


async def test_a_client_gone_mid_upload_leaves_nothing_and_logs_no_error(
    client: TestClient, alice: User, media_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    boundary = "chirpboundary"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    request = (
        "POST /api/v2/media HTTP/1.1\r\n"
        f"Host: {client.host}:{client.port}\r\n"
        f"Authorization: Bearer {alice.token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        "Content-Length: 5000000\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(request + head + samples.photo(64, 64)[:500])
    await writer.drain()
    await asyncio.sleep(0.2)  # the handler is now waiting for the rest of the body
    writer.transport.abort()
    await asyncio.sleep(0.3)
    assert await reader.read() == b""  # no response was owed to a peer that left
    assert stored_objects(media_root) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    listed = await client.get("/api/v1/media/1", headers=alice.headers)
    assert listed.status == 404
