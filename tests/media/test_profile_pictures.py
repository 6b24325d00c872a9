"""Avatars and headers through the media pipeline: `update_credentials` with multipart
`avatar`/`header` (cropped to Mastodon's sizes, metadata stripped, stored in the blob store),
replaced blobs removed, `DELETE /api/v1/profile/avatar|header`, and the defaults served."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from PIL import Image

from tests.helpers import User, user_token
from tests.media import samples
from tests.media.conftest import local_path, stored_objects

UPDATE = "/api/v1/accounts/update_credentials"


async def send_pictures(
    client: TestClient,
    user: User,
    headers: dict[str, str] | None = None,
    **files_and_fields: bytes | str,
) -> tuple[int, dict[str, Any]]:
    form = FormData()
    for name, value in files_and_fields.items():
        if isinstance(value, bytes):
            form.add_field(name, value, filename=f"{name}.jpg", content_type="image/jpeg")
        else:
            form.add_field(name, value)
    response = await client.patch(UPDATE, data=form, headers=headers or user.headers)
    return response.status, dict(await response.json())


async def image_at(client: TestClient, url: str) -> tuple[Image.Image, bytes]:
    response = await client.get(local_path(url))
    assert response.status == 200, url
    data = await response.read()
    return Image.open(io.BytesIO(data)), data


async def test_avatar_and_header_are_cropped_stripped_and_served(
    client: TestClient, alice: User, media_root: Path
) -> None:
    status, body = await send_pictures(
        client,
        alice,
        avatar=samples.photo(1200, 800),
        header=samples.photo(800, 1200, orientation=6),
        display_name="Alice",
        **{"fields_attributes[0][name]": "Site", "fields_attributes[0][value]": "chirp"},
    )
    assert status == 200, body
    assert body["display_name"] == "Alice" and body["fields"][0]["name"] == "Site"
    assert body["avatar"] == body["avatar_static"] and body["header"] == body["header_static"]
    assert "missing" not in body["avatar"] and "missing" not in body["header"]
    avatar, data = await image_at(client, body["avatar"])
    assert avatar.size == (400, 400)
    assert dict(avatar.getexif()) == {} and b"ChirpCam" not in data
    header, data = await image_at(client, body["header"])
    assert header.size == (1500, 500)
    assert dict(header.getexif()) == {} and b"ChirpCam" not in data
    assert len(stored_objects(media_root)) == 2
    # Everyone sees them on the account.
    shown = await (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert (shown["avatar"], shown["header"]) == (body["avatar"], body["header"])


async def test_replacing_a_picture_removes_the_old_blob(
    client: TestClient, alice: User, media_root: Path
) -> None:
    _, first = await send_pictures(client, alice, avatar=samples.photo(500, 500))
    _, second = await send_pictures(client, alice, avatar=samples.transparent_png())
    assert first["avatar"] != second["avatar"]
    objects = stored_objects(media_root)
    assert len(objects) == 1 and objects[0].endswith(".png")  # transparency kept as PNG
    assert (await client.get(local_path(first["avatar"]))).status == 404
    image, _ = await image_at(client, second["avatar"])
    assert image.size == (400, 400) and image.mode == "RGBA"
    # The same picture again: the same blob, kept.
    _, third = await send_pictures(client, alice, avatar=samples.transparent_png())
    assert third["avatar"] == second["avatar"]
    assert stored_objects(media_root) == objects


async def test_delete_avatar_and_header(client: TestClient, alice: User, media_root: Path) -> None:
    _, body = await send_pictures(
        client, alice, avatar=samples.photo(300, 300), header=samples.animated_gif()
    )
    header, _ = await image_at(client, body["header"])
    assert header.size == (1500, 500)
    response = await client.delete("/api/v1/profile/avatar", headers=alice.headers)
    assert response.status == 200, await response.text()
    account = await response.json()
    assert account["avatar"].endswith("/avatars/original/missing.png")
    assert account["avatar_static"] == account["avatar"]
    assert account["header"] == body["header"]
    assert "source" in account  # a CredentialAccount
    default = await client.get(local_path(account["avatar"]))
    assert default.status == 200 and default.content_type == "image/png"
    response = await client.delete("/api/v1/profile/header", headers=alice.headers)
    account = await response.json()
    assert account["header"].endswith("/headers/original/missing.png")
    assert stored_objects(media_root) == []
    again = await client.delete("/api/v1/profile/header", headers=alice.headers)
    assert again.status == 200
    assert (await client.delete("/api/v1/profile/banner", headers=alice.headers)).status in (
        404,
        405,
    )


async def test_bad_pictures_change_nothing(
    client: TestClient, alice: User, media_root: Path, tmp_path: Path
) -> None:
    clip = samples.video(tmp_path / "clip.mp4", seconds=0.2, audio=False)
    for bad in (b"<html><script>alert(1)</script></html>" * 10, b"", clip.read_bytes()):
        status, body = await send_pictures(client, alice, avatar=bad, display_name="Changed")
        assert status == 422, body
        assert body["error"]
    status, body = await send_pictures(client, alice, header=samples.png_bomb_header())
    assert status == 422
    me = await (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).json()
    assert me["display_name"] == "" and me["avatar"].endswith("/avatars/original/missing.png")
    assert stored_objects(media_root) == []
    # Text fields of the form are validated before any picture is stored.
    status, _ = await send_pictures(
        client, alice, avatar=samples.photo(300, 300), display_name="x" * 31
    )
    assert status == 422
    assert stored_objects(media_root) == []


async def test_picture_scopes(client: TestClient, alice: User) -> None:
    assert (await client.delete("/api/v1/profile/avatar")).status == 401
    reader = await user_token(client, alice, "read:accounts")
    assert (await client.delete("/api/v1/profile/avatar", headers=reader)).status == 403
    status, _ = await send_pictures(client, alice, headers=reader, avatar=samples.photo(300, 300))
    assert status == 403
    writer = await user_token(client, alice, "write:accounts")
    status, body = await send_pictures(
        client, alice, headers=writer, avatar=samples.photo(300, 300)
    )
    assert status == 200, body


@pytest.mark.parametrize("media_overrides", [{"media_signed_urls": True}])
async def test_pictures_stay_public_when_media_urls_are_signed(
    client: TestClient, alice: User
) -> None:
    _, body = await send_pictures(client, alice, avatar=samples.photo(300, 300))
    assert "signature=" not in body["avatar"]
    image, _ = await image_at(client, body["avatar"])
    assert image.size == (400, 400)


@pytest.mark.parametrize("media_overrides", [{"media_base_url": "https://cdn.example/chirp"}])
async def test_pictures_are_served_from_the_cdn_url(
    client: TestClient, alice: User, media_root: Path
) -> None:
    _, body = await send_pictures(client, alice, avatar=samples.photo(300, 300))
    (key,) = stored_objects(media_root)
    assert body["avatar"] == f"https://cdn.example/chirp/{key}"
    assert key.startswith(f"accounts/{alice.id}/avatar-") and key.endswith(".jpg")


async def test_animated_avatar_stays_animated_with_a_still_beside_it(
    client: TestClient, alice: User, media_root: Path
) -> None:
    status, body = await send_pictures(client, alice, avatar=samples.animated_gif(frames=6))
    assert status == 200, body
    assert body["avatar"].endswith(".gif") and body["avatar_static"].endswith(".png")
    assert body["avatar_static"].removesuffix(".png") == body["avatar"].removesuffix(".gif")
    animation, _ = await image_at(client, body["avatar"])
    assert animation.format == "GIF" and animation.size == (400, 400)
    assert getattr(animation, "n_frames", 1) == 6
    still, _ = await image_at(client, body["avatar_static"])
    assert still.format == "PNG" and still.size == (400, 400)
    assert len(stored_objects(media_root)) == 2
    # Replaced by a still picture: both blobs of the animation go.
    _, body = await send_pictures(client, alice, avatar=samples.photo(300, 300))
    assert body["avatar_static"] == body["avatar"]
    assert len(stored_objects(media_root)) == 1
    _, body = await send_pictures(client, alice, avatar=samples.animated_gif(frames=3))
    await client.delete("/api/v1/profile/avatar", headers=alice.headers)
    assert stored_objects(media_root) == []


async def test_malformed_multipart_bodies_are_422(client: TestClient, alice: User) -> None:
    broken_part = b"--xyz\r\nbroken header\r\n\r\nx\r\n--xyz--\r\n"
    for body, content_type in (
        (b"garbage", "multipart/form-data; boundary=xyz"),
        (broken_part, "multipart/form-data; boundary=xyz"),
        (b"", "multipart/form-data"),
    ):
        for method, path in (("PATCH", UPDATE), ("POST", "/api/v2/media")):
            response = await client.request(
                method,
                path,
                data=body,
                headers={**alice.headers, "Content-Type": content_type},
            )
            assert response.status == 422, (path, body, await response.text())
            assert (await response.json())["error"].startswith("Validation failed")
