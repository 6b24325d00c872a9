"""Read markers in SQLite: one row per (account, timeline), its version counting saves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chirp.core.models import Marker
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders


def _marker(row: Row) -> Marker:
    return Marker(
        timeline=row["timeline"],
        last_read_id=row["last_read_id"],
        version=row["version"],
        updated_at=req_dt(row["updated_at"]),
    )


class SqliteMarkers(SqliteBase):
    async def get_markers(self, account_id: int, timelines: Iterable[str]) -> dict[str, Marker]:
        wanted = list(dict.fromkeys(timelines))
        if not wanted:
            return {}
        rows = await self.db.fetchall(
            f"SELECT * FROM markers WHERE account_id = ? AND timeline IN ({placeholders(wanted)})",
            (account_id, *wanted),
        )
        return {row["timeline"]: _marker(row) for row in rows}

    async def save_marker(
        self, account_id: int, timeline: str, last_read_id: int, at: datetime
    ) -> Marker:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO markers(account_id, timeline, last_read_id, version, updated_at)"
                " VALUES (?,?,?,1,?) ON CONFLICT(account_id, timeline) DO UPDATE SET"
                " last_read_id = excluded.last_read_id, version = version + 1,"
                " updated_at = excluded.updated_at",
                (account_id, timeline, last_read_id, ts(at)),
            )
            async with tx.execute(
                "SELECT * FROM markers WHERE account_id = ? AND timeline = ?",
                (account_id, timeline),
            ) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return _marker(row)
