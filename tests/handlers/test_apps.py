"""`/api/v1/apps`: registering OAuth clients and checking app credentials."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import User, app_token, register_app

CALLBACK = "http://localhost:4000/callback"
OOB = "urn:ietf:wg:oauth:2.0:oob"


async def test_register_app_with_json_body(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        json={
            "client_name": "Tusky",
            "redirect_uris": f"{OOB}\n{CALLBACK}",
            "scopes": "read write:statuses",
            "website": "https://tusky.app",
        },
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["name"] == "Tusky"
    assert body["website"] == "https://tusky.app"
    assert body["scopes"] == ["read", "write:statuses"]
    assert body["redirect_uris"] == [OOB, CALLBACK]
    assert body["redirect_uri"] == f"{OOB}\n{CALLBACK}"
    assert body["id"].isdigit()
    assert len(body["client_id"]) >= 32
    assert len(body["client_secret"]) >= 32
    assert body["client_id"] != body["client_secret"]


async def test_register_app_with_form_body(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": "toot", "redirect_uris": OOB, "scopes": "read write follow"},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["name"] == "toot"
    assert body["scopes"] == ["read", "write", "follow"]
    assert body["redirect_uris"] == [OOB]
    assert body["website"] is None


async def test_register_app_with_redirect_uris_as_an_array(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        json={"client_name": "web", "redirect_uris": [CALLBACK, OOB]},
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["redirect_uris"] == [CALLBACK, OOB]


async def test_register_app_defaults_to_read_scope(client: TestClient) -> None:
    response = await client.post("/api/v1/apps", json={"client_name": "x", "redirect_uris": OOB})
    assert response.status == 200, await response.text()
    assert (await response.json())["scopes"] == ["read"]


async def test_each_registration_gets_its_own_credentials(client: TestClient) -> None:
    first = await register_app(client)
    second = await register_app(client)
    assert first.client_id != second.client_id
    assert first.client_secret != second.client_secret


async def test_missing_client_name_is_422(client: TestClient) -> None:
    response = await client.post("/api/v1/apps", json={"redirect_uris": OOB})
    assert response.status == 422
    body = await response.json()
    assert "client_name" in body["error"]


async def test_blank_client_name_is_422(client: TestClient) -> None:
    response = await client.post("/api/v1/apps", json={"client_name": "  ", "redirect_uris": OOB})
    assert response.status == 422
    assert "Name can't be blank" in (await response.json())["error"]


async def test_missing_redirect_uris_is_422(client: TestClient) -> None:
    response = await client.post("/api/v1/apps", json={"client_name": "x"})
    assert response.status == 422
    assert "Redirect URI can't be blank" in (await response.json())["error"]


@pytest.mark.parametrize("uri", ["myapp://cb\x1f", "https://app.example/cb\x00", "myapp://c\x7fb"])
async def test_redirect_uri_with_a_control_character_is_422(client: TestClient, uri: str) -> None:
    # Found by schemathesis: registered, such a URI became the `Location` of the consent's
    # redirect, a header aiohttp refuses to send (the approval dropped with a code issued).
    response = await client.post("/api/v1/apps", json={"client_name": "x", "redirect_uris": [uri]})
    assert response.status == 422
    assert "Redirect URI" in (await response.json())["error"]


async def test_relative_redirect_uri_is_422(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps", json={"client_name": "x", "redirect_uris": "/callback"}
    )
    assert response.status == 422
    assert "Redirect URI" in (await response.json())["error"]


async def test_unknown_scope_is_422(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        json={"client_name": "x", "redirect_uris": OOB, "scopes": "read admin:everything"},
    )
    assert response.status == 422
    body = await response.json()
    assert "Scopes" in body["error"]
    assert "admin:everything" in body["error"]


async def test_client_name_of_wrong_type_is_422(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps", json={"client_name": ["a", "b"], "redirect_uris": OOB}
    )
    assert response.status == 422
    assert "client_name" in (await response.json())["error"]


async def test_failed_registration_creates_no_app(client: TestClient, store: Any) -> None:
    before = await store.db.fetchval("SELECT COUNT(*) FROM apps")
    response = await client.post(
        "/api/v1/apps", json={"client_name": "x", "redirect_uris": OOB, "scopes": "bogus"}
    )
    assert response.status == 422
    assert "client_id" not in await response.json()
    assert await store.db.fetchval("SELECT COUNT(*) FROM apps") == before


async def test_verify_credentials_with_app_token(client: TestClient) -> None:
    registered = await register_app(client, scopes="read write")
    token = await app_token(client, registered, scope="read")
    response = await client.get(
        "/api/v1/apps/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["name"] == "test app"
    assert body["scopes"] == ["read", "write"]
    # The secret is shown once, at registration, and never again.
    assert "client_secret" not in body
    assert "client_id" not in body


async def test_verify_credentials_with_user_token(client: TestClient, alice: User) -> None:
    response = await client.get("/api/v1/apps/verify_credentials", headers=alice.headers)
    assert response.status == 200, await response.text()
    assert (await response.json())["name"] == "test app"


async def test_verify_credentials_without_token_is_401(client: TestClient) -> None:
    response = await client.get("/api/v1/apps/verify_credentials")
    assert response.status == 401
    assert "error" in await response.json()


async def test_verify_credentials_with_bogus_token_is_401(client: TestClient) -> None:
    response = await client.get(
        "/api/v1/apps/verify_credentials", headers={"Authorization": "Bearer nope"}
    )
    assert response.status == 401
    assert (await response.json())["error"] == "The access token is invalid"
