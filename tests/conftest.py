"""Shared fixtures: an app on an in-memory store, a test client, and a signed-up user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.server import create_app
from chirp.server.keys import CONTEXT, DISPATCHER
from tests.helpers import User, make_settings, sign_up

ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def app(settings_overrides: dict[str, Any]) -> web.Application:
    return create_app(make_settings(**settings_overrides))


@pytest.fixture
async def client(aiohttp_client: ClientFactory, app: web.Application) -> TestClient:
    return await aiohttp_client(app)


@pytest.fixture
async def alice(client: TestClient) -> User:
    return await sign_up(client, username="alice")


@pytest.fixture
async def bob(client: TestClient) -> User:
    return await sign_up(client, username="bob")


@pytest.fixture
async def carol(client: TestClient) -> User:
    return await sign_up(client, username="carol")


@pytest.fixture
def drain(app: web.Application) -> Callable[[], Awaitable[None]]:
    """Run pending side effects (fan-out, notifications) now, instead of waiting for them."""

    async def run() -> None:
        await app[DISPATCHER].drain()

    return run


@pytest.fixture
def store(app: web.Application) -> Any:
    return app[CONTEXT].store
