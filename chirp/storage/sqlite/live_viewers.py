"""Live streams' viewers in SQLite: player heartbeats (`live_viewers`), the pushed count
(`live_streams.viewers_count`) and its history per minute (`live_viewer_history`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime

from chirp.core.ports.errors import MissingRecord
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import unix_ms


class SqliteLiveViewers(SqliteBase):
    async def record_viewer(
        self, stream_id: int, viewer: str, at: datetime, *, active_since: datetime
    ) -> int:
        since = unix_ms(active_since)
        async with self.db.transaction() as tx:
            try:
                await tx.execute(
                    "INSERT INTO live_viewers(stream_id, viewer, seen_ms) VALUES (?,?,?)"
                    " ON CONFLICT(stream_id, viewer) DO UPDATE"
                    " SET seen_ms = max(seen_ms, excluded.seen_ms)",
                    (stream_id, viewer, unix_ms(at)),
                )
            except sqlite3.IntegrityError as error:
                raise MissingRecord("live stream") from error
            await tx.execute(
                "DELETE FROM live_viewers WHERE stream_id = ? AND seen_ms < ?", (stream_id, since)
            )
            async with tx.execute(
                "SELECT count(*) FROM live_viewers WHERE stream_id = ? AND seen_ms >= ?",
                (stream_id, since),
            ) as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def count_live_viewers(self, active_since: datetime) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT s.id, count(v.viewer) FROM live_streams s"
            " LEFT JOIN live_viewers v ON v.stream_id = s.id AND v.seen_ms >= ?"
            " WHERE s.state = 'live' GROUP BY s.id",
            (unix_ms(active_since),),
        )
        return {row[0]: row[1] for row in rows}

    async def set_viewers_count(self, stream_id: int, count: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE live_streams SET viewers_count = ? WHERE id = ? AND viewers_count != ?",
                (count, stream_id, count),
            )
            return cursor.rowcount == 1

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
                    (stream_id, unix_ms(minute), viewers, stream_id),
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
