"""Notification groups in MongoDB: notifications of one recipient sharing a `group_key`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from chirp.core.models import Notification, NotificationGroupStats, Page
from chirp.storage.mongodb.base import Doc, MongoBase, dt, newest_first, page_filter, page_sort
from chirp.storage.mongodb.notifications import notification_from_doc


class MongoNotificationGroups(MongoBase):
    async def latest_group_key(self, account_id: int, prefix: str) -> str | None:
        doc = await self.db.notifications.find_one(
            {"account_id": account_id, "group_key": {"$regex": f"^{re.escape(prefix)}-"}},
            {"group_key": 1},
            sort=[("group_key", -1)],  # hour buckets grow with time, six digits wide
        )
        return str(doc["group_key"]) if doc else None

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
        query: Doc = {"account_id": account_id, "group_key": {"$in": keys}}
        if max_id is not None:
            query["id"] = {"$lte": max_id}
        # Only the fields counted: a group's documents are small, and scanned newest first.
        docs = await self.db.notifications.find(
            query,
            {"group_key": 1, "id": 1, "from_account_id": 1, "created_at": 1},
            sort=[("id", -1)],
        ).to_list(None)
        stats: dict[str, NotificationGroupStats] = {}
        for doc in docs:
            key = doc["group_key"]
            found = stats.get(key)
            if found is None:
                found = stats[key] = NotificationGroupStats(
                    group_key=key,
                    most_recent_id=doc["id"],
                    most_recent_at=dt(doc["created_at"]),
                    count=0,
                    sample_account_ids=[],
                )
            found.count += 1
            if len(found.sample_account_ids) < samples:
                found.sample_account_ids.append(doc["from_account_id"])
            if min_id is not None and doc["id"] >= min_id:
                found.page_min_id = doc["id"]  # newest first: the last seen is the oldest
        return stats

    async def find_notification_group(self, account_id: int, group_key: str) -> Notification | None:
        doc = await self.db.notifications.find_one(
            {"account_id": account_id, "group_key": group_key}, sort=[("id", -1)]
        )
        return notification_from_doc(doc) if doc else None

    async def list_group_notifications(
        self, account_id: int, group_key: str, page: Page
    ) -> list[Notification]:
        docs = await self.db.notifications.find(
            {"account_id": account_id, "group_key": group_key, **page_filter(page, "id")},
            sort=page_sort(page, "id"),
            limit=page.limit,
        ).to_list(None)
        return [notification_from_doc(doc) for doc in newest_first(page, docs)]

    async def dismiss_notification_group(self, account_id: int, group_key: str) -> int:
        result = await self.db.notifications.delete_many(
            {"account_id": account_id, "group_key": group_key}
        )
        return result.deleted_count
