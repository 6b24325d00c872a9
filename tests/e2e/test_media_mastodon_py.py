"""Media end to end: Mastodon.py uploads to a real `chirp serve`, posts with the media, and the
attachment URLs are fetched like a browser would (EXIF gone, sizes, types, cache headers). Once
on the embedded local store, once on GCS (a real gcp-storage-emulator)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from mastodon import Mastodon
from PIL import Image

from tests.e2e.process import ChirpProcess
from tests.gcs_emulator import gcs_emulator
from tests.helpers import PASSWORD
from tests.media import samples

SCOPES = ["read", "write", "follow"]
IMMUTABLE = "public, max-age=31536000, immutable"


def _client(url: str, name: str) -> Mastodon:
    app = Mastodon.create_app("media e2e", scopes=SCOPES, api_base_url=url)
    api = Mastodon(*app, api_base_url=url)
    api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True, scopes=SCOPES)
    return api


def _post_photo_and_video(api: Mastodon, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    photo = api.media_post(
        io.BytesIO(samples.photo(1600, 1200, orientation=8)),
        mime_type="image/jpeg",
        file_name="holiday.jpg",
        description="Sunset over the sea",
        focus=(0.1, 0.2),
    )
    assert photo["type"] == "image" and photo["url"]
    clip = samples.video(tmp_path / "clip.mp4", seconds=2, size=(480, 270))
    video = api.media_post(str(clip), mime_type="video/mp4", synchronous=True)  # polls until ready
    assert video["type"] == "video" and video["url"]
    status = api.status_post("Holiday! #sea", media_ids=[photo, video])
    return dict(status)


def _check_attachments(status: dict, *, expect_cache: str | None) -> None:  # type: ignore[type-arg]
    photo, video = status["media_attachments"]
    assert photo["description"] == "Sunset over the sea"
    assert (
        photo["meta"]["original"]["width"] == 1200 and photo["meta"]["original"]["height"] == 1600
    )
    got = requests.get(photo["url"], timeout=10)
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg"
    if expect_cache:
        assert got.headers["Cache-Control"] == expect_cache
    image = Image.open(io.BytesIO(got.content))
    assert image.size == (1200, 1600) and dict(image.getexif()) == {}
    assert b"ChirpCam" not in got.content
    preview = requests.get(photo["preview_url"], timeout=10)
    assert preview.status_code == 200 and Image.open(io.BytesIO(preview.content)).size == (480, 640)
    movie = requests.get(video["url"], timeout=10)
    assert movie.status_code == 200 and movie.headers["Content-Type"] == "video/mp4"
    assert movie.content.index(b"moov") < movie.content.index(b"mdat")
    part = requests.get(video["url"], headers={"Range": "bytes=0-1023"}, timeout=10)
    assert part.status_code == 206 and part.content == movie.content[:1024]
    assert video["meta"]["original"]["width"] == 480 and 1.8 <= video["meta"]["duration"] <= 2.2


def test_media_through_mastodon_py(chirp_server: ChirpProcess, tmp_path: Path) -> None:
    api = _client(chirp_server.url, "ada")
    status = _post_photo_and_video(api, tmp_path)
    _check_attachments(status, expect_cache=IMMUTABLE)
    fetched = api.status(status["id"])
    assert [m["id"] for m in fetched["media_attachments"]] == [
        m["id"] for m in status["media_attachments"]
    ]
    me = api.me()
    assert [s["id"] for s in api.account_statuses(me["id"], only_media=True)] == [status["id"]]
    photo = status["media_attachments"][0]
    etag = requests.get(photo["url"], timeout=10).headers["ETag"]
    again = requests.get(photo["url"], headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304


@pytest.fixture
def chirp_on_gcs(tmp_path: Path) -> Iterator[ChirpProcess]:
    with gcs_emulator(tmp_path / "gcs", "chirp-media") as emulator:
        node = ChirpProcess(
            tmp_path / "data",
            env={"CHIRP_MEDIA_STORE": "gs://chirp-media/prod", "STORAGE_EMULATOR_HOST": emulator},
        ).start()
        try:
            yield node
        finally:
            node.stop()


def test_media_on_google_cloud_storage(chirp_on_gcs: ChirpProcess, tmp_path: Path) -> None:
    api = _client(chirp_on_gcs.url, "gus")
    status = _post_photo_and_video(api, tmp_path)
    photo = status["media_attachments"][0]
    assert "/chirp-media/prod/media/" in photo["url"]  # served by the bucket, not by Chirp
    assert not photo["url"].startswith(chirp_on_gcs.url)
    _check_attachments(status, expect_cache=None)  # the emulator does not echo Cache-Control
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    name = photo["url"].split("/chirp-media/", 1)[1]
    client = storage.Client(
        project="p",
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": chirp_on_gcs.env["STORAGE_EMULATOR_HOST"]},
    )
    blob = client.bucket("chirp-media").get_blob(name)
    assert (
        blob is not None and blob.cache_control == IMMUTABLE and blob.content_type == "image/jpeg"
    )
