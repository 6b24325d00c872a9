"""Notification policies, requests and accepted senders in SQLite."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from chirp.core.models import POLICY_FIELDS, NotificationPolicy, NotificationRequest, Page
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order

# A request counts (up to 100, as Mastodon) its sender's filtered mentions and quotes.
_FILTERED = (
    "FROM notifications n WHERE n.account_id = r.account_id"
    " AND n.from_account_id = r.from_account_id AND n.filtered = 1"
    " AND n.type IN ('mention', 'quote')"
)
_COUNT = f"(SELECT count(*) FROM (SELECT 1 {_FILTERED} LIMIT 100)) AS notifications_count"
_PENDING = f"EXISTS (SELECT 1 {_FILTERED})"


def _request(row: Row) -> NotificationRequest:
    return NotificationRequest(
        id=row["id"],
        account_id=row["account_id"],
        from_account_id=row["from_account_id"],
        created_at=req_dt(row["created_at"]),
        updated_at=req_dt(row["updated_at"]),
        last_status_id=row["last_status_id"],
        notifications_count=row["notifications_count"],
    )


class SqliteNotificationFilters(SqliteBase):
    async def get_notification_policy(self, account_id: int) -> NotificationPolicy | None:
        row = await self.db.fetchone(
            "SELECT * FROM notification_policies WHERE account_id = ?", (account_id,)
        )
        if row is None:
            return None
        return NotificationPolicy(account_id, *(row[f] for f in POLICY_FIELDS))

    async def save_notification_policy(self, policy: NotificationPolicy) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT OR REPLACE INTO notification_policies(account_id,"
                f" {', '.join(POLICY_FIELDS)}) VALUES (?,?,?,?,?,?)",
                (policy.account_id, *(getattr(policy, f) for f in POLICY_FIELDS)),
            )

    async def has_notification_permission(self, account_id: int, from_account_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM notification_permissions WHERE account_id = ? AND from_account_id = ?",
            (account_id, from_account_id),
        )
        return row is not None

    async def save_notification_request(self, request: NotificationRequest) -> NotificationRequest:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO notification_requests(id, account_id, from_account_id,"
                " last_status_id, created_at, updated_at) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(account_id, from_account_id) DO UPDATE SET"
                " last_status_id = coalesce(excluded.last_status_id, last_status_id),"
                " updated_at = excluded.updated_at",
                (
                    request.id,
                    request.account_id,
                    request.from_account_id,
                    request.last_status_id,
                    ts(request.created_at),
                    ts(request.updated_at),
                ),
            )
            async with tx.execute(
                f"SELECT r.*, {_COUNT} FROM notification_requests r"
                " WHERE account_id = ? AND from_account_id = ?",
                (request.account_id, request.from_account_id),
            ) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return _request(row)

    async def get_notification_request(
        self, account_id: int, request_id: int
    ) -> NotificationRequest | None:
        row = await self.db.fetchone(
            f"SELECT r.*, {_COUNT} FROM notification_requests r"
            f" WHERE r.id = ? AND r.account_id = ? AND {_PENDING}",
            (request_id, account_id),
        )
        return _request(row) if row else None

    async def list_notification_requests(
        self, account_id: int, page: Page
    ) -> list[NotificationRequest]:
        bounds, params = page_bounds(page, "r.id")
        rows = await self.db.fetchall(
            f"SELECT r.*, {_COUNT} FROM notification_requests r"
            f" WHERE r.account_id = ? AND {bounds} AND {_PENDING}"
            f" ORDER BY r.id {page_order(page)} LIMIT ?",
            (account_id, *params, page.limit),
        )
        return [_request(row) for row in newest_first(page, rows)]

    async def _senders(
        self, tx: aiosqlite.Connection, account_id: int, request_ids: Iterable[int]
    ) -> list[tuple[int, int]]:
        wanted = list(dict.fromkeys(request_ids))
        if not wanted:
            return []
        async with tx.execute(
            "SELECT id, from_account_id FROM notification_requests"
            f" WHERE account_id = ? AND id IN ({placeholders(wanted)})",
            (account_id, *wanted),
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]

    async def accept_notification_requests(
        self, account_id: int, request_ids: Iterable[int], at: datetime
    ) -> int:
        async with self.db.transaction() as tx:
            found = await self._senders(tx, account_id, request_ids)
            for request_id, sender in found:
                await tx.execute(
                    "INSERT OR IGNORE INTO notification_permissions(account_id, from_account_id,"
                    " created_at) VALUES (?,?,?)",
                    (account_id, sender, ts(at)),
                )
                await tx.execute(
                    "UPDATE notifications SET filtered = 0"
                    " WHERE account_id = ? AND from_account_id = ? AND filtered = 1",
                    (account_id, sender),
                )
                await tx.execute("DELETE FROM notification_requests WHERE id = ?", (request_id,))
            return len(found)

    async def dismiss_notification_requests(
        self, account_id: int, request_ids: Iterable[int]
    ) -> int:
        async with self.db.transaction() as tx:
            found = await self._senders(tx, account_id, request_ids)
            for request_id, sender in found:
                await tx.execute(
                    "DELETE FROM notifications"
                    " WHERE account_id = ? AND from_account_id = ? AND filtered = 1",
                    (account_id, sender),
                )
                await tx.execute("DELETE FROM notification_requests WHERE id = ?", (request_id,))
            return len(found)

    async def summarize_notification_requests(self, account_id: int, cap: int) -> tuple[int, int]:
        row = await self.db.fetchone(
            "SELECT count(*), coalesce(sum(notifications_count), 0) FROM"
            f" (SELECT {_COUNT} FROM notification_requests r"
            f" WHERE r.account_id = ? AND {_PENDING} LIMIT ?)",
            (account_id, cap),
        )
        assert row is not None
        return int(row[0]), int(row[1])
