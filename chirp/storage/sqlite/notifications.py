"""Notifications in SQLite: one row per (recipient, type, sender, status), newest first."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import aiosqlite

from chirp.core.models import Notification, Page
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order


def notification_from_row(row: Row) -> Notification:
    return Notification(
        id=row["id"],
        account_id=row["account_id"],
        type=row["type"],
        from_account_id=row["from_account_id"],
        created_at=req_dt(row["created_at"]),
        status_id=row["status_id"],
        stream_id=row["stream_id"],
        filtered=bool(row["filtered"]),
        group_key=row["group_key"],
        report_id=row["report_id"],
    )


class SqliteNotifications(SqliteBase):
    async def add_notifications(self, notifications: list[Notification]) -> list[Notification]:
        if not notifications:  # most tweets notify nobody: no write transaction for them
            return []

        async def write(tx: aiosqlite.Connection) -> list[Notification]:
            added = []
            for n in notifications:
                try:
                    cursor = await tx.execute(
                        "INSERT OR IGNORE INTO notifications(id, account_id, type, from_account_id, status_id,"
                        " stream_id, created_at, filtered, group_key, report_id) SELECT ?,?,?,?,?,?,?,?,?,?"
                        " WHERE (? IS NULL OR EXISTS (SELECT 1 FROM statuses WHERE id = ?))"
                        " AND (? IS NULL OR EXISTS (SELECT 1 FROM live_streams WHERE id = ?))",
                        (
                            n.id,
                            n.account_id,
                            n.type,
                            n.from_account_id,
                            n.status_id,
                            n.stream_id,
                            ts(n.created_at),
                            n.filtered,
                            n.group_key,
                            n.report_id,
                            n.status_id,
                            n.status_id,
                            n.stream_id,
                            n.stream_id,
                        ),
                    )
                except sqlite3.IntegrityError:  # an account vanished meanwhile: nothing to notify
                    continue
                if cursor.rowcount == 1:
                    added.append(n)
            return added

        return await self.db.write(write)

    async def remove_notifications(
        self, type: str, from_account_id: int, status_id: int | None, account_id: int | None = None
    ) -> int:
        sql = "DELETE FROM notifications WHERE type = ? AND from_account_id = ? AND coalesce(status_id, 0) = ?"
        params: list[object] = [type, from_account_id, status_id or 0]
        if account_id is not None:
            sql += " AND account_id = ?"
            params.append(account_id)
        async with self.db.transaction() as tx:
            cursor = await tx.execute(sql, params)
            return cursor.rowcount

    async def list_notifications(
        self,
        account_id: int,
        page: Page,
        *,
        types: Iterable[str] | None = None,
        exclude_types: Iterable[str] = (),
        from_account_id: int | None = None,
        include_filtered: bool = False,
    ) -> list[Notification]:
        bounds, params = page_bounds(page, "id")
        sql = f"SELECT * FROM notifications WHERE account_id = ? AND {bounds}"
        args: list[object] = [account_id, *params]
        if from_account_id is not None:
            sql += " AND from_account_id = ?"
            args.append(from_account_id)
        elif not include_filtered:
            sql += " AND filtered = 0"
        if types is not None:
            wanted = list(types)
            sql += f" AND type IN ({placeholders(wanted)})" if wanted else " AND 0"
            args += wanted
        excluded = list(exclude_types)
        if excluded:
            sql += f" AND type NOT IN ({placeholders(excluded)})"
            args += excluded
        rows = await self.db.fetchall(
            f"{sql} ORDER BY id {page_order(page)} LIMIT ?", [*args, page.limit]
        )
        return [notification_from_row(row) for row in newest_first(page, rows)]

    async def get_notification(self, account_id: int, notification_id: int) -> Notification | None:
        row = await self.db.fetchone(
            "SELECT * FROM notifications WHERE id = ? AND account_id = ?",
            (notification_id, account_id),
        )
        return notification_from_row(row) if row else None

    async def dismiss_notification(self, account_id: int, notification_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM notifications WHERE id = ? AND account_id = ?",
                (notification_id, account_id),
            )
            return cursor.rowcount == 1

    async def clear_notifications(self, account_id: int) -> int:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM notifications WHERE account_id = ?", (account_id,)
            )
            return cursor.rowcount
