"""Scheduled tweets in SQLite: `scheduled_statuses`, and the media they hold
(`media_attachments.scheduled_status_id`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import aiosqlite
import orjson

from chirp.core.models import Event, Page, ScheduledStatus
from chirp.core.ports.media import MediaNotAttachable
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order
from chirp.storage.sqlite.statuses import record_event


def scheduled_from_row(row: Row) -> ScheduledStatus:
    return ScheduledStatus(
        id=row["id"],
        account_id=row["account_id"],
        scheduled_at=req_dt(row["scheduled_at"]),
        params=orjson.loads(row["params"]),
        media_ids=tuple(map(int, row["media_ids"].split())) if row["media_ids"] else (),
    )


async def _hold_media(
    tx: aiosqlite.Connection, scheduled: ScheduledStatus, media_ids: Sequence[int], at: datetime
) -> None:
    if not media_ids:
        return
    cursor = await tx.execute(
        "UPDATE media_attachments SET scheduled_status_id = ?, updated_at = ?"
        f" WHERE id IN ({placeholders(media_ids)}) AND account_id = ? AND status_id IS NULL"
        " AND scheduled_status_id IS NULL AND state = 'ready'",
        [scheduled.id, ts(at), *media_ids, scheduled.account_id],
    )
    if cursor.rowcount != len(set(media_ids)):
        raise MediaNotAttachable("media")


async def _release_media(tx: aiosqlite.Connection, scheduled_id: int, at: datetime) -> None:
    await tx.execute(
        "UPDATE media_attachments SET scheduled_status_id = NULL, updated_at = ?"
        " WHERE scheduled_status_id = ?",
        (ts(at), scheduled_id),
    )


class SqliteScheduledStatuses(SqliteBase):
    async def create_scheduled_status(self, scheduled: ScheduledStatus, *, event: Event) -> None:
        async def write(tx: aiosqlite.Connection) -> None:
            await tx.execute(
                "INSERT INTO scheduled_statuses(id, account_id, scheduled_at, params, media_ids)"
                " VALUES (?,?,?,?,?)",
                (
                    scheduled.id,
                    scheduled.account_id,
                    ts(scheduled.scheduled_at),
                    orjson.dumps(scheduled.params).decode(),
                    " ".join(map(str, scheduled.media_ids)),
                ),
            )
            await _hold_media(tx, scheduled, scheduled.media_ids, created)
            await record_event(tx, event, scheduled.scheduled_at)

        created = datetime.now(UTC)
        await self.db.write(write)

    async def get_scheduled_status(self, scheduled_id: int) -> ScheduledStatus | None:
        row = await self.db.fetchone(
            "SELECT * FROM scheduled_statuses WHERE id = ?", (scheduled_id,)
        )
        return scheduled_from_row(row) if row is not None else None

    async def list_scheduled_statuses(self, account_id: int, page: Page) -> list[ScheduledStatus]:
        bounds, params = page_bounds(page, "id")
        rows = await self.db.fetchall(
            f"SELECT * FROM scheduled_statuses WHERE account_id = ? AND {bounds}"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            (account_id, *params, page.limit),
        )
        return newest_first(page, [scheduled_from_row(row) for row in rows])

    async def reschedule_status(
        self, scheduled_id: int, scheduled_at: datetime, *, event: Event
    ) -> ScheduledStatus | None:
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute(
                "UPDATE scheduled_statuses SET scheduled_at = ? WHERE id = ?",
                (ts(scheduled_at), scheduled_id),
            )
            if cursor.rowcount == 0:
                return False
            await record_event(tx, event, scheduled_at)
            return True

        if not await self.db.write(write):
            return None
        return await self.get_scheduled_status(scheduled_id)

    async def count_scheduled_statuses(
        self, account_id: int, *, since: datetime, until: datetime
    ) -> tuple[int, int]:
        row = await self.db.fetchone(
            "SELECT count(*) AS total,"
            " coalesce(sum(scheduled_at >= ? AND scheduled_at < ?), 0) AS within"
            " FROM scheduled_statuses WHERE account_id = ?",
            (ts(since), ts(until), account_id),
        )
        assert row is not None
        return row["total"], row["within"]

    async def release_scheduled_media(self, scheduled_id: int, at: datetime) -> None:
        async def write(tx: aiosqlite.Connection) -> None:
            await _release_media(tx, scheduled_id, at)

        await self.db.write(write)

    async def remove_scheduled_status(self, scheduled_id: int, at: datetime) -> bool:
        async def write(tx: aiosqlite.Connection) -> bool:
            await _release_media(tx, scheduled_id, at)
            cursor = await tx.execute(
                "DELETE FROM scheduled_statuses WHERE id = ?", (scheduled_id,)
            )
            return bool(cursor.rowcount)

        return await self.db.write(write)
