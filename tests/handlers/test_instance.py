"""Instance metadata (`/api/v1/instance`, `/api/v2/instance`) and the health check."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from chirp import __version__
from tests.helpers import User, post

VERSION_MARK = "4.3.0 (compatible; Chirp"


async def get_json(client: TestClient, path: str) -> dict[str, Any]:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    return dict(await response.json())


@pytest.mark.parametrize("path", ["/api/v1/instance", "/api/v1/instance/"])
async def test_instance_v1(client: TestClient, path: str) -> None:
    body = await get_json(client, path)
    assert VERSION_MARK in body["version"]
    assert body["version"] == f"4.3.0 (compatible; Chirp {__version__})"
    assert body["title"] == "Chirp"
    assert body["uri"]
    assert body["urls"]["streaming_api"].startswith(("ws://", "wss://"))
    assert body["configuration"]["statuses"]["max_characters"] == 500
    assert body["registrations"] is True
    assert body["stats"] == {"user_count": 0, "status_count": 0, "domain_count": 0}


@pytest.mark.parametrize("path", ["/api/v2/instance", "/api/v2/instance/"])
async def test_instance_v2(client: TestClient, path: str) -> None:
    body = await get_json(client, path)
    assert VERSION_MARK in body["version"]
    assert body["domain"]
    assert body["configuration"]["urls"]["streaming"].startswith(("ws://", "wss://"))
    assert body["configuration"]["statuses"]["max_characters"] == 500
    assert body["registrations"]["enabled"] is True
    assert body["api_versions"] == {"mastodon": 2}


async def test_instance_counts_users(client: TestClient, alice: User, bob: User) -> None:
    v1 = await get_json(client, "/api/v1/instance")
    assert v1["stats"]["user_count"] == 2
    v2 = await get_json(client, "/api/v2/instance")
    assert v2["usage"]["users"]["active_month"] == 0  # active: posted in the last 30 days
    await post(client, alice, "hello")
    v1 = await get_json(client, "/api/v1/instance")
    assert v1["stats"]["status_count"] == 1
    v2 = await get_json(client, "/api/v2/instance")
    assert v2["usage"]["users"]["active_month"] == 1


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "max_toot_chars": 777,
            "public_url": "https://chirp.example/",
            "instance_title": "Birdhouse",
            "registrations_open": False,
        }
    ],
)
async def test_instance_reflects_settings(client: TestClient) -> None:
    v1 = await get_json(client, "/api/v1/instance")
    assert v1["configuration"]["statuses"]["max_characters"] == 777
    assert v1["uri"] == "chirp.example"
    assert v1["title"] == "Birdhouse"
    assert v1["urls"]["streaming_api"] == "wss://chirp.example"
    assert v1["registrations"] is False
    v2 = await get_json(client, "/api/v2/instance")
    assert v2["configuration"]["statuses"]["max_characters"] == 777
    assert v2["domain"] == "chirp.example"
    assert v2["configuration"]["urls"]["streaming"] == "wss://chirp.example"
    assert v2["registrations"]["enabled"] is False


async def test_instance_needs_no_token_but_accepts_one(client: TestClient, alice: User) -> None:
    response = await client.get("/api/v1/instance", headers=alice.headers)
    assert response.status == 200


async def test_healthz(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_healthz_reports_a_dead_store(client: TestClient, store: Any) -> None:
    await store.close()
    response = await client.get("/healthz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unavailable"
    assert body["error"] == "store unreachable"


async def test_readyz_answers_ok_then_503_while_draining(client: TestClient) -> None:
    from chirp.server.keys import READINESS

    response = await client.get("/readyz")
    assert (response.status, await response.json()) == (200, {"status": "ok"})
    client.app[READINESS].draining = True  # SIGTERM received (`chirp.server.run`)
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["status"] == "draining"


async def test_readyz_reports_a_dead_store(client: TestClient, store: Any) -> None:
    await store.close()
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["error"] == "store unreachable"


@pytest.mark.parametrize(
    "error",
    [ConnectionRefusedError(111, "Connection refused"), sqlite3.OperationalError("disk I/O error")],
)
async def test_a_store_out_of_reach_is_503_with_retry_after_never_500(
    client: TestClient, store: Any, alice: User, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    async def unreachable(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(store, "get_statuses", unreachable)
    monkeypatch.setattr(store, "home_timeline", unreachable, raising=False)
    response = await client.get("/api/v1/statuses/1", headers=alice.headers)
    assert response.status == 503
    assert response.headers["Retry-After"] == "5"
    assert "error" in await response.json()
