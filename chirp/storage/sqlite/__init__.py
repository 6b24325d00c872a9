"""The embedded SQLite backend (aiosqlite): the zero-set-up default store."""

from __future__ import annotations

from chirp.storage.sqlite import records
from chirp.storage.sqlite.accounts import ACCOUNT_COLUMNS, SqliteAccounts, account_from_values
from chirp.storage.sqlite.apps import SqliteApps
from chirp.storage.sqlite.db import Database
from chirp.storage.sqlite.engagement import SqliteEngagement
from chirp.storage.sqlite.follows import SqliteFollows
from chirp.storage.sqlite.live import SqliteLive
from chirp.storage.sqlite.media import SqliteMedia
from chirp.storage.sqlite.notifications import SqliteNotifications
from chirp.storage.sqlite.outbox import SqliteOutbox
from chirp.storage.sqlite.records import FollowerLists, VersionedRecords
from chirp.storage.sqlite.search import SqliteSearch
from chirp.storage.sqlite.statuses import STATUS_COLUMNS, SqliteStatuses, status_from_values
from chirp.storage.sqlite.timelines import SqliteTimelines
from chirp.storage.sqlite.tokens import SqliteTokens


class SqliteStore(
    SqliteApps,
    SqliteAccounts,
    SqliteTokens,
    SqliteStatuses,
    SqliteEngagement,
    SqliteFollows,
    SqliteTimelines,
    SqliteNotifications,
    SqliteSearch,
    SqliteOutbox,
    SqliteMedia,
    SqliteLive,
):
    """Implements `chirp.storage.port.Store`; one mixin per aggregate."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.status_records = VersionedRecords(
            "statuses", STATUS_COLUMNS, status_from_values, records.STATUSES
        )
        self.account_records = VersionedRecords(
            "accounts", ACCOUNT_COLUMNS, account_from_values, records.ACCOUNTS
        )
        self.follower_lists = FollowerLists()

    @classmethod
    async def open(cls, path: str) -> SqliteStore:
        return cls(await Database.open(path))

    async def ping(self) -> None:
        await self.db.fetchval("SELECT 1")

    async def close(self) -> None:
        await self.db.close()


__all__ = ["SqliteStore"]
