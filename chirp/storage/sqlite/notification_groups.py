"""Notification groups in SQLite: notifications of one recipient sharing a `group_key`."""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.models import Notification, NotificationGroupStats, Page
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt
from chirp.storage.sqlite.db import placeholders
from chirp.storage.sqlite.notifications import notification_from_row
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order


class SqliteNotificationGroups(SqliteBase):
    async def latest_group_key(self, account_id: int, prefix: str) -> str | None:
        # The range on the key (not LIKE) walks the partial index `notifications_by_group`,
        # from its end: the hour buckets closing the keys grow with time and are six digits
        # wide (until 2084), so the greatest key is the newest group.
        value = await self.db.fetchval(
            "SELECT group_key FROM notifications WHERE account_id = ? AND group_key >= ?"
            " AND group_key < ? ORDER BY group_key DESC LIMIT 1",
            (account_id, f"{prefix}-", f"{prefix}."),
        )
        return str(value) if value is not None else None

    async def notification_group_stats(
        self,
        account_id: int,
        group_keys: Iterable[str],
        *,
        max_id: int | None = None,
        min_id: int | None = None,
        samples: int = 8,
    ) -> dict[str, NotificationGroupStats]:
        keys = list(dict.fromkeys(group_keys))
        if not keys:
            return {}
        rows = await self.db.fetchall(
            "SELECT * FROM (SELECT group_key, id, from_account_id, created_at,"
            " row_number() OVER (PARTITION BY group_key ORDER BY id DESC) AS rank,"
            " count(*) OVER (PARTITION BY group_key) AS total,"
            " min(CASE WHEN id >= ? THEN id END) OVER (PARTITION BY group_key) AS page_min"
            f" FROM notifications WHERE account_id = ? AND group_key IN ({placeholders(keys)})"
            " AND id <= ?) WHERE rank <= ? ORDER BY group_key, id DESC",
            (
                min_id if min_id is not None else 2**63 - 1,
                account_id,
                *keys,
                max_id if max_id is not None else 2**63 - 1,
                samples,
            ),
        )
        stats: dict[str, NotificationGroupStats] = {}
        for row in rows:
            key = row["group_key"]
            found = stats.get(key)
            if found is None:
                stats[key] = NotificationGroupStats(
                    group_key=key,
                    most_recent_id=row["id"],
                    most_recent_at=req_dt(row["created_at"]),
                    count=row["total"],
                    sample_account_ids=[row["from_account_id"]],
                    page_min_id=row["page_min"] if min_id is not None else None,
                )
            else:
                found.sample_account_ids.append(row["from_account_id"])
        return stats

    async def find_notification_group(self, account_id: int, group_key: str) -> Notification | None:
        row = await self.db.fetchone(
            "SELECT * FROM notifications WHERE account_id = ? AND group_key = ?"
            " ORDER BY id DESC LIMIT 1",
            (account_id, group_key),
        )
        return notification_from_row(row) if row else None

    async def list_group_notifications(
        self, account_id: int, group_key: str, page: Page
    ) -> list[Notification]:
        bounds, params = page_bounds(page, "id")
        rows = await self.db.fetchall(
            f"SELECT * FROM notifications WHERE account_id = ? AND group_key = ? AND {bounds}"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            (account_id, group_key, *params, page.limit),
        )
        return [notification_from_row(row) for row in newest_first(page, rows)]

    async def dismiss_notification_group(self, account_id: int, group_key: str) -> int:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM notifications WHERE account_id = ? AND group_key = ?",
                (account_id, group_key),
            )
            return cursor.rowcount
