"""Test helpers: cheap settings, and API shortcuts to register apps and users."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from chirp.config import Settings

CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
PASSWORD = "correct horse battery staple"
_names = itertools.count(1)


def require_tool(binary: str, package: str) -> str:
    """The tool's path. Without it the test is skipped with the package to install, except in CI
    (`CI=true`), where `.ci/run` installs it and its absence is a failure."""
    path = shutil.which(binary)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{binary} is not installed (.ci/run installs {package})")
        pytest.skip(f"{binary} is not installed (apt-get install {package})")
    return path


def make_settings(**overrides: Any) -> Settings:
    # Rate limits are off unless a test is about them: the suite signs up more than 5 users.
    values: dict[str, Any] = {
        "store": "sqlite://:memory:",
        "rtmp_port": 0,
        "rate_limits": False,
        # No test reaches the web: link cards are tested with a local resolver and server.
        "link_cards": False,
        **CHEAP_ARGON2,
    }
    values.update(overrides)
    if os.environ.get("CHIRP_TEST_STORE") == "postgresql" and "store" not in overrides:
        # The API tests on the PostgreSQL store: a fresh database each (tests/postgresql_server).
        from tests.postgresql_server import SHARED

        values["store"] = SHARED.fresh_database_now()
    return Settings(**values)


@dataclass
class AppCredentials:
    client_id: str
    client_secret: str
    redirect_uris: list[str]


@dataclass
class User:
    id: str
    username: str
    email: str
    token: str
    refresh_token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register_app(
    client: TestClient,
    scopes: str = "read write follow",
    redirect_uris: str = "urn:ietf:wg:oauth:2.0:oob\nhttp://localhost:4000/callback",
) -> AppCredentials:
    response = await client.post(
        "/api/v1/apps",
        json={"client_name": "test app", "redirect_uris": redirect_uris, "scopes": scopes},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    return AppCredentials(body["client_id"], body["client_secret"], body["redirect_uris"])


async def app_token(
    client: TestClient, app: AppCredentials, scope: str = "read write follow"
) -> str:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "scope": scope,
        },
    )
    assert response.status == 200, await response.text()
    return str((await response.json())["access_token"])


async def sign_up(
    client: TestClient,
    app: AppCredentials | None = None,
    username: str | None = None,
    scope: str = "read write follow",
) -> User:
    app = app or await register_app(client)
    token = await app_token(client, app, scope)
    username = username or f"user{next(_names)}"
    email = f"{username}@example.com"
    response = await client.post(
        "/api/v1/accounts",
        headers={"Authorization": f"Bearer {token}"},
        json={"username": username, "email": email, "password": PASSWORD, "agreement": True},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    account = await me.json()
    return User(account["id"], username, email, body["access_token"], body.get("refresh_token"))


async def user_token(client: TestClient, user: User, scope: str) -> dict[str, str]:
    """A fresh token for `user` holding only `scope` (password grant)."""
    app = await register_app(client)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": user.username,
            "password": PASSWORD,
            "scope": scope,
        },
    )
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['access_token']}"}


# Runs pending side effects (fan-out, notifications, push) now: the `drain` fixture.
Drain = Callable[[], Awaitable[None]]


async def post(client: TestClient, user: User, text: str, **fields: Any) -> dict[str, Any]:
    """Tweet through the API; fails the test unless it is accepted."""
    response = await client.post(
        "/api/v1/statuses", headers=user.headers, json={"status": text, **fields}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def follow(client: TestClient, user: User, target: User) -> dict[str, Any]:
    """Follow through the API; returns the relationship."""
    response = await client.post(f"/api/v1/accounts/{target.id}/follow", headers=user.headers)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def act(client: TestClient, user: User, status_id: str, action: str) -> dict[str, Any]:
    """`POST /api/v1/statuses/:id/<action>` (favourite, reblog, bookmark...)."""
    response = await client.post(f"/api/v1/statuses/{status_id}/{action}", headers=user.headers)
    assert response.status == 200, await response.text()
    return dict(await response.json())
