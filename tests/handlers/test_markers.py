"""`/api/v1/markers`: save and read positions in home and notifications, as Mastodon."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.helpers import User, app_token, register_app, user_token


async def test_markers_are_empty_until_saved(client: TestClient, alice: User) -> None:
    response = await client.get(
        "/api/v1/markers?timeline[]=home&timeline[]=notifications", headers=alice.headers
    )
    assert response.status == 200
    assert await response.json() == {}


async def test_save_with_a_form_then_read_back(client: TestClient, alice: User) -> None:
    response = await client.post(
        "/api/v1/markers",
        headers=alice.headers,
        data={"home[last_read_id]": "103194548672408537", "notifications[last_read_id]": "42"},
    )
    assert response.status == 200, await response.text()
    saved = await response.json()
    assert set(saved) == {"home", "notifications"}
    assert saved["home"]["last_read_id"] == "103194548672408537"
    assert saved["home"]["version"] == 1
    assert saved["home"]["updated_at"].endswith("Z")
    response = await client.get(
        "/api/v1/markers?timeline[]=home&timeline[]=notifications", headers=alice.headers
    )
    assert await response.json() == saved
    response = await client.get("/api/v1/markers?timeline=home", headers=alice.headers)
    assert set(await response.json()) == {"home"}


async def test_json_save_moves_one_marker_and_counts_versions(
    client: TestClient, alice: User, bob: User
) -> None:
    for last_read_id, version in (("10", 1), ("20", 2), ("20", 2), (30, 3)):
        response = await client.post(
            "/api/v1/markers", headers=alice.headers, json={"home": {"last_read_id": last_read_id}}
        )
        assert response.status == 200, await response.text()
        body = await response.json()
        assert set(body) == {"home"}
        assert (body["home"]["last_read_id"], body["home"]["version"]) == (
            str(last_read_id),
            version,
        )
    # Markers are the user's own.
    response = await client.get("/api/v1/markers?timeline[]=home", headers=bob.headers)
    assert await response.json() == {}


async def test_unknown_timelines_are_ignored(client: TestClient, alice: User) -> None:
    response = await client.post(
        "/api/v1/markers", headers=alice.headers, json={"public": {"last_read_id": "5"}}
    )
    assert response.status == 200
    assert await response.json() == {}
    response = await client.get("/api/v1/markers?timeline[]=public", headers=alice.headers)
    assert await response.json() == {}


async def test_bad_ids_are_refused(client: TestClient, alice: User) -> None:
    for body in (
        {"home": {"last_read_id": "abc"}},
        {"home": {"last_read_id": str(2**63)}},
        {"home": {"last_read_id": -1}},
        {"home": {"last_read_id": True}},
        {"home": "12"},
    ):
        response = await client.post("/api/v1/markers", headers=alice.headers, json=body)
        assert response.status == 422, body
        assert "error" in await response.json()
    response = await client.post(
        "/api/v1/markers", headers=alice.headers, data={"notifications[last_read_id]": "1x"}
    )
    assert response.status == 422
    response = await client.get("/api/v1/markers", headers=alice.headers)
    assert await response.json() == {}  # nothing was saved


async def test_markers_need_a_user_token_with_the_right_scope(
    client: TestClient, alice: User
) -> None:
    assert (await client.get("/api/v1/markers?timeline[]=home")).status == 401
    assert (
        await client.post("/api/v1/markers", json={"home": {"last_read_id": "1"}})
    ).status == 401
    read_only = await user_token(client, alice, "read:statuses")
    response = await client.post(
        "/api/v1/markers", headers=read_only, json={"home": {"last_read_id": "1"}}
    )
    assert response.status == 403
    assert (await client.get("/api/v1/markers?timeline[]=home", headers=read_only)).status == 200
    write_only = await user_token(client, alice, "write:statuses")
    assert (await client.get("/api/v1/markers?timeline[]=home", headers=write_only)).status == 403
    other = await user_token(client, alice, "read:notifications")
    assert (await client.get("/api/v1/markers?timeline[]=home", headers=other)).status == 403


async def test_an_app_token_has_no_markers(client: TestClient) -> None:
    app = await register_app(client)
    token = await app_token(client, app)
    response = await client.get(
        "/api/v1/markers?timeline[]=home", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 422
