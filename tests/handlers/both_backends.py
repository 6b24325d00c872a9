"""An `app` fixture run once on SQLite and once on the MongoDB backend (its real code on the
in-process stand-in, `tests.storage.mongo_standin`): import it into an API test module to run
that module's tests on both storage backends."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from chirp.config import Settings
from chirp.server import create_app
from chirp.storage import Store
from chirp.storage.mongodb import MongoStore
from chirp.storage.mongodb.schema import init_indexes
from tests.helpers import make_settings
from tests.storage.mongo_standin import StandInClient


async def _mongodb_standin(url: str, settings: Settings | None = None) -> Store:
    client = StandInClient()
    store = MongoStore(client, client["chirp"])  # type: ignore[arg-type]
    await init_indexes(store.db)
    return store


@pytest.fixture(params=["sqlite", "mongodb-standin"])
def app(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    settings_overrides: dict[str, Any],
) -> web.Application:
    if request.param == "mongodb-standin":
        monkeypatch.setattr("chirp.server.app.open_store", _mongodb_standin)
    return create_app(make_settings(**settings_overrides))
