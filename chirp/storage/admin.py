"""`chirp db ...`: prepare a store (`init`, `init --shard`) and move data between stores (`copy`)."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, TextIO

from chirp.storage import MONGODB_SCHEMES, mongo_options, open_store
from chirp.storage.copy import store_kind

if TYPE_CHECKING:
    from pymongo.asynchronous.mongo_client import AsyncMongoClient

    from chirp.config import Settings
    from chirp.storage.copy import CopyReport
    from chirp.storage.mongodb import MongoStore
    from chirp.storage.mongodb.base import Doc


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
    """Create what the store needs, idempotently: SQLite or PostgreSQL migrations, or MongoDB collections
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
    """Copy a SQL store (SQLite or PostgreSQL) into an empty store of any kind: SQLite,
    PostgreSQL, or MongoDB (indexed first)."""
    from chirp.storage.copy import CopyRefused, copy_sql_to_sql, format_report, sqlite_path

    source_kind, target_kind = store_kind(source_url), store_kind(target_url)
    path = sqlite_path(source_url)
    if source_kind == "mongodb":
        raise AdminError(
            "--from a MongoDB store is not supported yet: copy from sqlite:///... or postgresql://..."
        )
    if source_kind not in ("sqlite", "postgresql") or (
        source_kind == "sqlite" and (not path or path == ":memory:")
    ):
        raise AdminError(
            "--from must name a SQLite file (sqlite:///path/to/chirp.db) or a PostgreSQL"
            " database (postgresql://...)"
        )
    if target_kind is None:
        raise AdminError(
            "--to must be a store URL: sqlite:///..., postgresql://... or mongodb://..."
        )
    if source_kind == "sqlite" and not await asyncio.to_thread(os.path.isfile, path):
        raise AdminError(f"no SQLite store at {path}")
    if target_url == source_url:
        raise AdminError("--from and --to name the same store")
    try:
        if target_kind == "mongodb":
            report = await _copy_to_mongo(source_url, target_url, settings, out, client)
        else:
            target = await open_store(target_url, settings)
            try:
                report = await copy_sql_to_sql(source_url, target, target_kind, out)
            finally:
                await target.close()
    except CopyRefused as error:
        raise AdminError(str(error)) from error
    out.write(format_report(report) + "\n")
    return report


async def _copy_to_mongo(
    source_url: str,
    target_url: str,
    settings: Settings,
    out: TextIO,
    client: AsyncMongoClient[Doc] | None,
) -> CopyReport:
    from chirp.storage.mongodb.copy import copy_sql_to_mongo
    from chirp.storage.mongodb.schema import init_indexes

    store = _mongo_store(target_url, settings, client)
    try:
        await init_indexes(store.db)
        return await copy_sql_to_mongo(source_url, store, out)
    finally:
        await store.close()
