"""Notifications in MongoDB (`notifications`): one per (recipient, type, sender, status,
stream), that tuple being the `_id`; paged by the notification's snowflake `id`."""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.models import Notification, Page
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    dt,
    edge,
    newest_first,
    page_filter,
    page_sort,
    ts,
    unique_ids,
)
from chirp.storage.mongodb.schema import insert_new


def notification_doc(n: Notification) -> Doc:
    return {
        # A report's notification also names the report (one per report per staff member).
        "_id": edge(
            n.account_id,
            n.type,
            n.from_account_id,
            n.status_id or 0,
            n.stream_id or 0,
            *([n.report_id] if n.report_id else []),
        ),
        "id": n.id,
        "account_id": n.account_id,
        "type": n.type,
        "from_account_id": n.from_account_id,
        "status_id": n.status_id,
        "stream_id": n.stream_id,
        "created_at": ts(n.created_at),
        "filtered": n.filtered,
        "group_key": n.group_key,
        "report_id": n.report_id,
    }


def notification_from_doc(doc: Doc) -> Notification:
    return Notification(
        id=doc["id"],
        account_id=doc["account_id"],
        type=doc["type"],
        from_account_id=doc["from_account_id"],
        created_at=dt(doc["created_at"]),
        status_id=doc["status_id"],
        stream_id=doc["stream_id"],
        filtered=doc.get("filtered", False),  # absent from documents written before groups
        group_key=doc.get("group_key"),
        report_id=doc.get("report_id"),  # absent from documents written before admin ones
    )


class MongoNotifications(MongoBase):
    async def _existing(self, collection: str, ids: Iterable[int | None]) -> set[int]:
        wanted = unique_ids(i for i in ids if i is not None)
        if not wanted:
            return set()
        docs = await self.db[collection].find({"_id": {"$in": wanted}}, {"_id": 1}).to_list(None)
        return {doc["_id"] for doc in docs}

    async def add_notifications(self, notifications: list[Notification]) -> list[Notification]:
        # Nothing to notify about what vanished meanwhile (an account, a tweet, a stream).
        accounts = await self._existing(
            "accounts", [i for n in notifications for i in (n.account_id, n.from_account_id)]
        )
        statuses = await self._existing("statuses", [n.status_id for n in notifications])
        streams = await self._existing("live_streams", [n.stream_id for n in notifications])
        added = []
        for n in notifications:
            if n.account_id not in accounts or n.from_account_id not in accounts:
                continue
            if (n.status_id is not None and n.status_id not in statuses) or (
                n.stream_id is not None and n.stream_id not in streams
            ):
                continue
            if await insert_new(self.db, "notifications", notification_doc(n)):
                added.append(n)
        return added

    async def remove_notifications(
        self, type: str, from_account_id: int, status_id: int | None, account_id: int | None = None
    ) -> int:
        query: Doc = {"type": type, "from_account_id": from_account_id, "status_id": status_id}
        if account_id is not None:
            query["account_id"] = account_id
        result = await self.db.notifications.delete_many(query)
        return result.deleted_count

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
        query: Doc = {"account_id": account_id, **page_filter(page, "id")}
        if from_account_id is not None:
            query["from_account_id"] = from_account_id
        elif not include_filtered:
            query["filtered"] = {"$ne": True}
        kinds: Doc = {}
        if types is not None:
            kinds["$in"] = list(types)
        excluded = list(exclude_types)
        if excluded:
            kinds["$nin"] = excluded
        if kinds:
            query["type"] = kinds
        docs = await self.db.notifications.find(
            query, sort=page_sort(page, "id"), limit=page.limit
        ).to_list(None)
        return [notification_from_doc(doc) for doc in newest_first(page, docs)]

    async def get_notification(self, account_id: int, notification_id: int) -> Notification | None:
        doc = await self.db.notifications.find_one(
            {"account_id": account_id, "id": notification_id}
        )
        return notification_from_doc(doc) if doc else None

    async def dismiss_notification(self, account_id: int, notification_id: int) -> bool:
        result = await self.db.notifications.delete_one(
            {"account_id": account_id, "id": notification_id}
        )
        return result.deleted_count == 1

    async def clear_notifications(self, account_id: int) -> int:
        result = await self.db.notifications.delete_many({"account_id": account_id})
        return result.deleted_count
