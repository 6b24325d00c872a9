"""A streamer's chat moderators and streams' viewer count history in SQLite
(`live_chat_moderators`, `live_viewer_history`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime

from chirp.core.ports.errors import MissingRecord
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class SqliteLiveAudience(SqliteBase):
    async def add_chat_moderator(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        try:
            async with self.db.transaction() as tx:
                cursor = await tx.execute(
                    "INSERT OR IGNORE INTO live_chat_moderators(streamer_id, account_id,"
                    " created_at) VALUES (?,?,?)",
                    (streamer_id, account_id, ts(at)),
                )
                return cursor.rowcount == 1
        except sqlite3.IntegrityError as error:
            raise MissingRecord("account") from error

    async def remove_chat_moderator(self, streamer_id: int, account_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM live_chat_moderators WHERE streamer_id = ? AND account_id = ?",
                (streamer_id, account_id),
            )
            return cursor.rowcount == 1

    async def is_chat_moderator(self, streamer_id: int, account_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM live_chat_moderators WHERE streamer_id = ? AND account_id = ?",
            (streamer_id, account_id),
        )
        return row is not None

    async def list_chat_moderators(self, streamer_id: int, *, limit: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT account_id FROM live_chat_moderators WHERE streamer_id = ?"
            " ORDER BY created_at, account_id LIMIT ?",
            (streamer_id, limit),
        )
        return [row[0] for row in rows]

    async def record_viewer_counts(self, counts: Mapping[int, int], minute: datetime) -> None:
        if not counts:
            return
        async with self.db.transaction() as tx:
            for stream_id, viewers in counts.items():
                await tx.execute(
                    "INSERT INTO live_viewer_history(stream_id, minute_ms, viewers)"
                    " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM live_streams WHERE id = ?)"
                    " ON CONFLICT(stream_id, minute_ms)"
                    " DO UPDATE SET viewers = max(viewers, excluded.viewers)",
                    (stream_id, _ms(minute), viewers, stream_id),
                )

    async def viewer_count_history(
        self, stream_id: int, *, limit: int
    ) -> list[tuple[datetime, int]]:
        rows = await self.db.fetchall(
            "SELECT minute_ms, viewers FROM live_viewer_history WHERE stream_id = ?"
            " ORDER BY minute_ms DESC LIMIT ?",
            (stream_id, limit),
        )
        return [(datetime.fromtimestamp(row[0] / 1000, UTC), row[1]) for row in reversed(rows)]
