"""Streamers' stream keys in SQLite (`stream_keys`, one per account)."""

from __future__ import annotations

import sqlite3

from chirp.core.models import StreamKey
from chirp.core.ports.errors import MissingRecord
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row


def _key(row: Row) -> StreamKey:
    return StreamKey(
        account_id=row["account_id"], digest=row["digest"], created_at=req_dt(row["created_at"])
    )


class SqliteLiveKeys(SqliteBase):
    async def set_stream_key(self, key: StreamKey) -> None:
        try:
            async with self.db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO stream_keys(account_id, digest, created_at) VALUES (?,?,?)"
                    " ON CONFLICT(account_id) DO UPDATE SET digest = excluded.digest,"
                    " created_at = excluded.created_at",
                    (key.account_id, key.digest, ts(key.created_at)),
                )
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise MissingRecord("account") from error
            raise

    async def get_stream_key(self, account_id: int) -> StreamKey | None:
        row = await self.db.fetchone(
            "SELECT * FROM stream_keys WHERE account_id = ?", (account_id,)
        )
        return _key(row) if row else None

    async def find_stream_key(self, digest: str) -> StreamKey | None:
        row = await self.db.fetchone("SELECT * FROM stream_keys WHERE digest = ?", (digest,))
        return _key(row) if row else None
