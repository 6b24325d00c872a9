"""Storage port and backends. `open_store` picks the backend from the store URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chirp.core.ports.errors import UniqueViolation
from chirp.core.ports.store import Store

if TYPE_CHECKING:
    from chirp.config import Settings
    from chirp.storage.mongodb import MongoOptions

__all__ = ["Store", "UniqueViolation", "open_store"]

MONGODB_SCHEMES = ("mongodb://", "mongodb+srv://")
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")


def mongo_options(settings: Settings | None) -> MongoOptions:
    from chirp.storage.mongodb import MongoOptions

    if settings is None:
        return MongoOptions()
    return MongoOptions(
        database=settings.mongodb_database,
        max_pool_size=settings.mongodb_max_pool_size,
        min_pool_size=settings.mongodb_min_pool_size,
        connect_timeout_seconds=settings.mongodb_connect_timeout_seconds,
        server_selection_timeout_seconds=settings.mongodb_server_selection_timeout_seconds,
        timeout_seconds=settings.mongodb_timeout_seconds,
    )


async def open_store(url: str, settings: Settings | None = None) -> Store:
    """Open (and migrate) the store named by `url`: `sqlite:///path/to/chirp.db`,
    `sqlite://:memory:`, `postgresql://...` (a libpq URL), or `mongodb://...` / `mongodb+srv://...` (with `settings`' MongoDB
    options; its indexes are created if missing)."""
    if url.startswith(MONGODB_SCHEMES):
        from chirp.storage.mongodb import MongoStore

        return await MongoStore.open(url, mongo_options(settings))
    if url.startswith(POSTGRESQL_SCHEMES):
        from chirp.storage.postgresql import PostgresStore

        if settings is None:
            return await PostgresStore.open(url)
        return await PostgresStore.open(
            url,
            min_pool=settings.postgresql_min_pool_size,
            max_pool=settings.postgresql_max_pool_size,
        )
    if url.startswith("sqlite://"):
        from chirp.storage.sqlite import SqliteStore

        return await SqliteStore.open(url.removeprefix("sqlite://").removeprefix("/") or ":memory:")
    raise ValueError(f"unsupported store URL scheme: {url.split(':', 1)[0]!r}")
