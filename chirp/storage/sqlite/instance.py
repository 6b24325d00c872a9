"""Instance-wide figures in SQLite: how many accounts are active."""

from __future__ import annotations

from datetime import UTC, datetime

from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts


class SqliteInstance(SqliteBase):
    async def count_active_accounts(self, since: datetime) -> int:
        # `last_status_at` is ISO 8601 UTC text: text order is time order (a whole second,
        # written without fraction, sorts before that second's fractions: '+' < '.').
        row = await self.db.fetchone(
            "SELECT count(*) FROM accounts WHERE last_status_at >= ?", (ts(since.astimezone(UTC)),)
        )
        return int(row[0]) if row else 0
