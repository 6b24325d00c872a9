"""Shared fixtures: an app on an in-memory store, a test client, and a signed-up user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core.models import Account, Status
from chirp.server import create_app
from chirp.server.keys import CONTEXT, DISPATCHER
from tests.helpers import User, make_settings, sign_up

ClientFactory = Callable[..., Awaitable[TestClient]]


def _write_once(self: object, name: str, value: object) -> None:
    if hasattr(self, name):
        raise AttributeError(
            f"{type(self).__name__}.{name} assigned after construction: records are values"
            " (build a changed copy with dataclasses.replace)"
        )
    object.__setattr__(self, name, value)


# Records read from the store are shared (the SQLite store and the render cache hand the same
# instance to every reader while its row is unchanged): changing one in place would change what
# other requests see. The whole suite runs with assignment after construction refused.
for _record in (Status, Account):
    _record.__setattr__ = _write_once  # type: ignore[method-assign, assignment]


# Under `-n 2 --dist loadgroup` (the suite's default options): the tests that start servers,
# encoders and browsers as subprocesses, and hold them to deadlines, run one after another on
# one worker, while the in-process tests share out the other. Two of them at once on a small
# machine starved each other's encoders and missed their deadlines.
SUBPROCESS_GROUP = "subprocesses"
SUBPROCESS_DIRECTORIES = ("e2e", "video")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.parts
        if "tests" in parts and parts[parts.index("tests") + 1] in SUBPROCESS_DIRECTORIES:
            item.add_marker(pytest.mark.xdist_group(SUBPROCESS_GROUP))


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
