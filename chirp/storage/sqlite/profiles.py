"""Profile pictures in SQLite: the account row names its avatar's and header's blobs."""

from __future__ import annotations

from datetime import datetime

from chirp.core.models import Account
from chirp.storage.sqlite.accounts import account_from_row
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts

PROFILE_IMAGES = ("avatar", "header")


class SqliteProfileImages(SqliteBase):
    async def set_profile_image(
        self, account_id: int, kind: str, key: str | None, url: str | None, updated_at: datetime
    ) -> tuple[Account, str | None] | None:
        if kind not in PROFILE_IMAGES:
            raise ValueError(f"not a profile image: {kind}")
        async with self.db.transaction() as tx:
            async with tx.execute(
                f"SELECT {kind}_key FROM accounts WHERE id = ?", (account_id,)
            ) as cursor:
                old = await cursor.fetchone()
            if old is None:
                return None
            async with tx.execute(
                f"UPDATE accounts SET {kind}_key = ?, {kind}_url = ?, updated_at = ?"
                " WHERE id = ? RETURNING *",
                (key, url, ts(updated_at), account_id),
            ) as cursor:
                row = await cursor.fetchone()
        if row is None:
            return None
        return account_from_row(row), old[0]
