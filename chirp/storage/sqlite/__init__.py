"""The embedded SQLite backend (aiosqlite): the zero-set-up default store."""

from __future__ import annotations

from chirp.storage.sqlite.accounts import SqliteAccounts
from chirp.storage.sqlite.apps import SqliteApps
from chirp.storage.sqlite.db import Database
from chirp.storage.sqlite.tokens import SqliteTokens


class SqliteStore(SqliteApps, SqliteAccounts, SqliteTokens):
    """Implements `chirp.storage.port.Store`; one mixin per aggregate."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    async def open(cls, path: str) -> SqliteStore:
        return cls(await Database.open(path))

    async def ping(self) -> None:
        await self.db.fetchval("SELECT 1")

    async def close(self) -> None:
        await self.db.close()


__all__ = ["SqliteStore"]
