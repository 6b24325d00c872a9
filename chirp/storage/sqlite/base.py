"""Base of the SQLite aggregate mixins: each holds a `Database` as `self.db`."""

from __future__ import annotations

import sqlite3

from chirp.core.models import Account, Status
from chirp.core.ports.errors import UniqueViolation
from chirp.storage.sqlite.db import Database
from chirp.storage.sqlite.records import FollowerLists, VersionedRecords


class SqliteBase:
    db: Database
    feeds: Database  # the home feeds' own file (see `SqliteStore.open`)
    status_records: VersionedRecords[Status]
    account_records: VersionedRecords[Account]
    follower_lists: FollowerLists


def unique_violation(
    error: sqlite3.IntegrityError, columns: dict[str, str]
) -> UniqueViolation | None:
    """Map 'UNIQUE constraint failed: table.column' to the port's error, by column name."""
    message = str(error)
    if "UNIQUE constraint failed" not in message:
        return None
    for column, field in columns.items():
        if column in message:
            return UniqueViolation(field)
    return UniqueViolation(message.rsplit(".", 1)[-1])
