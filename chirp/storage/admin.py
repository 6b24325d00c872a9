"""`chirp db ...`: prepare a store (`init`, `init --shard`) and move data between stores (`copy`)."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, TextIO

from chirp.storage import MONGODB_SCHEMES, mongo_options, open_store

if TYPE_CHECKING:
    from pymongo.asynchronous.mongo_client import AsyncMongoClient

    from chirp.config import Settings
    from chirp.storage.mongodb import MongoStore
    from chirp.storage.mongodb.base import Doc
    from chirp.storage.mongodb.copy import CopyReport


class AdminError(Exception):
    """A `chirp db` command that cannot do what was asked; the message says why."""


def _mongo_store(url: str, settings: Settings, client: AsyncMongoClient[Doc] | None) -> MongoStore:
    """The MongoDB store named by `url`, on `client` (a new one unless given)."""
    from pymongo.asynchronous.mongo_client import AsyncMongoClient

    from chirp.storage.mongodb import MongoStore

    options = mongo_options(settings)
    if client is None:
        client = AsyncMongoClient(url, **options.client_kwargs())
    name = options.database or client.get_default_database("chirp").name
    return MongoStore(client, client[name])


async def init_store(
    url: str,
    settings: Settings,
    out: TextIO,
    *,
    shard: bool = False,
    client: AsyncMongoClient[Doc] | None = None,
) -> None:
    """Create what the store needs, idempotently: SQLite migrations, or MongoDB collections
    and indexes (and with `shard`, the shard keys on a sharded cluster)."""
    if not url.startswith(MONGODB_SCHEMES):
        if shard:
            raise AdminError("--shard is for a MongoDB store (CHIRP_STORE=mongodb://...)")
        store = await open_store(url, settings)
        await store.close()
        out.write(f"{url.split('://')[0]} store migrated\n")
        return
    from chirp.storage.mongodb.schema import NotShardedCluster, init_indexes, shard_collections

    store = _mongo_store(url, settings, client)
    try:
        created = await init_indexes(store.db)
        for collection, names in created.items():
            out.write(f"{collection}: {', '.join(['_id_', *names])}\n")
        out.write(f"database {store.db.name}: {len(created)} collections indexed\n")
        if shard:
            try:
                done = await shard_collections(store.client, store.db.name)
            except NotShardedCluster as error:
                raise AdminError(str(error)) from error
            for line in done:
                out.write(f"{line}\n")
            out.write(f"database {store.db.name}: {len(done) - 1} collections sharded\n")
    finally:
        await store.close()


async def copy_store(
    source_url: str,
    target_url: str,
    settings: Settings,
    out: TextIO,
    *,
    client: AsyncMongoClient[Doc] | None = None,
) -> CopyReport:
    """Copy an embedded SQLite deployment into an empty MongoDB database (indexed first)."""
    from chirp.storage.mongodb.copy import CopyRefused, copy_sqlite_to_mongo, format_report
    from chirp.storage.mongodb.schema import init_indexes

    # As `open_store` reads it: sqlite:///relative/path, sqlite:////absolute/path.
    path = source_url.removeprefix("sqlite://").removeprefix("/")
    if not source_url.startswith("sqlite://") or not path or path == ":memory:":
        raise AdminError("--from must name a SQLite file: sqlite:///path/to/chirp.db")
    if not target_url.startswith(MONGODB_SCHEMES):
        raise AdminError("--to must be a MongoDB URL: mongodb://... or mongodb+srv://...")
    if not await asyncio.to_thread(os.path.isfile, path):
        raise AdminError(f"no SQLite store at {path}")
    store = _mongo_store(target_url, settings, client)
    try:
        await init_indexes(store.db)
        try:
            report = await copy_sqlite_to_mongo(path, store, out)
        except CopyRefused as error:
            raise AdminError(str(error)) from error
        out.write(format_report(report) + "\n")
        return report
    finally:
        await store.close()
