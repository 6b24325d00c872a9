"""`DELETE /api/v1/media/:id`: an upload never attached goes at once, its blobs with it."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from tests.helpers import User, post, user_token
from tests.media import samples
from tests.media.conftest import local_path, stored_objects, upload


async def test_deleting_an_unattached_upload_removes_it_and_its_blobs(
    client: TestClient, alice: User, media_root: Path
) -> None:
    status, body = await upload(client, alice, samples.photo(gps=False))
    assert status == 200
    kept_status, kept = await upload(client, alice, samples.photo(gps=False))
    assert kept_status == 200
    before = stored_objects(media_root)
    response = await client.delete(f"/api/v1/media/{body['id']}", headers=alice.headers)
    assert response.status == 200, await response.text()
    assert await response.json() == {}
    after = stored_objects(media_root)
    assert len(after) == len(before) // 2 and after  # the other upload's blobs stay
    assert (await client.get(f"/api/v1/media/{body['id']}", headers=alice.headers)).status == 404
    assert (await client.get(local_path(body["url"]))).status == 404
    assert (await client.get(local_path(kept["url"]))).status == 200
    again = await client.delete(f"/api/v1/media/{body['id']}", headers=alice.headers)
    assert again.status == 404
    refused = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "x", "media_ids": [body["id"]]}
    )
    assert refused.status == 422


async def test_an_attached_upload_stays(client: TestClient, alice: User, media_root: Path) -> None:
    _, body = await upload(client, alice, samples.photo(gps=False))
    await post(client, alice, "with a photo", media_ids=[body["id"]])
    before = stored_objects(media_root)
    response = await client.delete(f"/api/v1/media/{body['id']}", headers=alice.headers)
    assert response.status == 422
    assert "error" in await response.json()
    assert stored_objects(media_root) == before
    assert (await client.get(local_path(body["url"]))).status == 200


async def test_someone_elses_or_unknown_media_is_not_found(
    client: TestClient, alice: User, bob: User, media_root: Path
) -> None:
    _, body = await upload(client, alice, samples.photo(gps=False))
    before = stored_objects(media_root)
    for media_id, who in ((body["id"], bob), ("123", alice), ("nope", alice), (str(2**64), alice)):
        response = await client.delete(f"/api/v1/media/{media_id}", headers=who.headers)
        assert response.status == 404, media_id
        assert await response.json() == {"error": "Record not found"}
    assert stored_objects(media_root) == before


async def test_deleting_needs_write_media(client: TestClient, alice: User) -> None:
    _, body = await upload(client, alice, samples.photo(gps=False))
    assert (await client.delete(f"/api/v1/media/{body['id']}")).status == 401
    for scope in ("read", "write:statuses"):
        headers = await user_token(client, alice, scope)
        assert (await client.delete(f"/api/v1/media/{body['id']}", headers=headers)).status == 403
    headers = await user_token(client, alice, "write:media")
    assert (await client.delete(f"/api/v1/media/{body['id']}", headers=headers)).status == 200
