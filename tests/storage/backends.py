"""Every storage backend the conformance suite runs against. A new backend adds one entry."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from chirp.storage import Store, open_store
from chirp.storage.mongodb import MongoOptions, MongoStore
from chirp.storage.mongodb.schema import init_indexes
from tests.postgresql_server import SHARED as POSTGRESQL
from tests.storage.mongo_standin import StandInClient

BackendFactory = Callable[[Path], AbstractAsyncContextManager[Store]]


@asynccontextmanager
async def sqlite_file(tmp: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp / 'chirp.db'}")
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def sqlite_memory(tmp: Path) -> AsyncIterator[Store]:
    store = await open_store("sqlite://:memory:")
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def mongodb_standin(tmp: Path) -> AsyncIterator[Store]:
    """The MongoDB backend's real code on the in-process stand-in (see `mongo_standin`)."""
    client = StandInClient()
    store = MongoStore(client, client["chirp"])  # type: ignore[arg-type]
    await init_indexes(store.db)
    try:
        yield store
    finally:
        await store.close()


# A real server (a replica set: transactions need one), when the environment names it.
MONGODB_URL = os.environ.get("CHIRP_TEST_MONGODB_URL", "")


@asynccontextmanager
async def mongodb_server(tmp: Path) -> AsyncIterator[Store]:
    """A fresh database per test on the real server, dropped afterwards."""
    name = f"chirp_test_{uuid.uuid4().hex[:12]}"
    store = await MongoStore.open(MONGODB_URL, MongoOptions(database=name))
    try:
        yield store
    finally:
        await store.client.drop_database(name)
        await store.close()


@asynccontextmanager
async def postgresql(tmp: Path) -> AsyncIterator[Store]:
    """A fresh database per test on a real PostgreSQL server the tests start themselves
    (`tests/postgresql_server.py`), dropped afterwards."""
    url = await POSTGRESQL.fresh_database()
    store = await open_store(url)
    try:
        yield store
    finally:
        await store.close()
        await POSTGRESQL.drop_database(url)


BACKENDS: dict[str, BackendFactory] = {
    "sqlite-file": sqlite_file,
    "sqlite-memory": sqlite_memory,
    "mongodb-standin": mongodb_standin,
    "postgresql": postgresql,
}
if MONGODB_URL:
    BACKENDS["mongodb-server"] = mongodb_server
