"""Live streams in SQLite (`live_streams`): their lifecycle and the relay's lease."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from chirp.core.models import Event, LiveStream, Page
from chirp.core.ports.errors import MissingRecord
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import dt, req_dt, ts, unix_ms
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order
from chirp.storage.sqlite.statuses import record_event


def stream_from_row(row: Row) -> LiveStream:
    return LiveStream(
        id=row["id"],
        account_id=row["account_id"],
        title=row["title"],
        visibility=row["visibility"],
        state=row["state"],
        created_at=req_dt(row["created_at"]),
        started_at=dt(row["started_at"]),
        ended_at=dt(row["ended_at"]),
        viewers_count=row["viewers_count"],
    )


class SqliteLiveStreams(SqliteBase):
    async def create_live_stream(self, stream: LiveStream) -> None:
        try:
            async with self.db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO live_streams(id, account_id, title, visibility, state, created_at,"
                    " started_at, ended_at, viewers_count) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        stream.id,
                        stream.account_id,
                        stream.title,
                        stream.visibility,
                        stream.state,
                        ts(stream.created_at),
                        ts(stream.started_at),
                        ts(stream.ended_at),
                        stream.viewers_count,
                    ),
                )
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise MissingRecord("account") from error
            raise

    async def get_live_stream(self, stream_id: int) -> LiveStream | None:
        row = await self.db.fetchone_now("SELECT * FROM live_streams WHERE id = ?", (stream_id,))
        return stream_from_row(row) if row else None

    async def get_live_streams(self, stream_ids: Iterable[int]) -> dict[int, LiveStream]:
        ids = list(dict.fromkeys(stream_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall_now(
            f"SELECT * FROM live_streams WHERE id IN ({placeholders(ids)})", ids
        )
        return {row["id"]: stream_from_row(row) for row in rows}

    async def list_live_streams(
        self, page: Page, *, followed_by: int | None = None
    ) -> list[LiveStream]:
        bounds, params = page_bounds(page, "s.id")
        sql = f"SELECT s.* FROM live_streams s WHERE s.state = 'live' AND {bounds}"
        if followed_by is not None:
            sql += (
                " AND s.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ?)"
            )
            params.append(followed_by)
        rows = await self.db.fetchall(
            f"{sql} ORDER BY s.id {page_order(page)} LIMIT ?", [*params, page.limit]
        )
        return [stream_from_row(row) for row in newest_first(page, rows)]

    async def publishable_stream(self, account_id: int) -> LiveStream | None:
        row = await self.db.fetchone(
            "SELECT * FROM live_streams WHERE account_id = ? AND state IN ('live', 'created')"
            " ORDER BY state = 'live' DESC, id DESC LIMIT 1",
            (account_id,),
        )
        return stream_from_row(row) if row else None

    async def start_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        async with self.db.transaction() as tx:
            async with tx.execute(
                "UPDATE live_streams SET state = 'live', started_at = ?, relay_seen_ms = ?"
                " WHERE id = ? AND state = 'created' RETURNING *",
                (ts(at), unix_ms(at), stream_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await record_event(tx, event, at)
            return stream_from_row(row)

    async def end_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        async with self.db.transaction() as tx:
            async with tx.execute(
                "UPDATE live_streams SET state = 'ended', ended_at = ?, viewers_count = 0"
                " WHERE id = ? AND state != 'ended' RETURNING *",
                (ts(at), stream_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await tx.execute("DELETE FROM live_viewers WHERE stream_id = ?", (stream_id,))
            await record_event(tx, event, at)
            return stream_from_row(row)

    async def renew_relay_lease(self, stream_ids: Iterable[int], at: datetime) -> None:
        ids = list(dict.fromkeys(stream_ids))
        if not ids:
            return
        async with self.db.transaction() as tx:
            await tx.execute(
                f"UPDATE live_streams SET relay_seen_ms = ? WHERE id IN ({placeholders(ids)})"
                " AND state = 'live'",
                [unix_ms(at), *ids],
            )

    async def abandoned_live_streams(self, before: datetime, *, limit: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM live_streams WHERE state = 'live' AND relay_seen_ms < ?"
            " ORDER BY id LIMIT ?",
            (unix_ms(before), limit),
        )
        return [row[0] for row in rows]
