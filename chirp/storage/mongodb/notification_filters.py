"""Notification policies (`notification_policies`, `_id` = account), requests
(`notification_requests`, `_id` = "<account>:<sender>") and accepted senders
(`notification_permissions`, same `_id`) in MongoDB."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from chirp.core.models import POLICY_FIELDS, NotificationPolicy, NotificationRequest, Page
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    edge,
    newest_first,
    page_filter,
    page_sort,
    ts,
    unique_ids,
)

# A request counts (up to 100, as Mastodon) its sender's filtered mentions and quotes.
_COUNTED_TYPES = ["mention", "quote"]
_COUNT_CAP = 100


def _request(doc: Doc, count: int) -> NotificationRequest:
    return NotificationRequest(
        id=doc["id"],
        account_id=doc["account_id"],
        from_account_id=doc["from_account_id"],
        created_at=dt(doc["created_at"]),
        updated_at=dt(doc["updated_at"]),
        last_status_id=doc.get("last_status_id"),
        notifications_count=count,
    )


class MongoNotificationFilters(MongoBase):
    async def get_notification_policy(self, account_id: int) -> NotificationPolicy | None:
        doc = await self.db.notification_policies.find_one({"_id": account_id})
        if doc is None:
            return None
        return NotificationPolicy(account_id, *(doc[f] for f in POLICY_FIELDS))

    async def save_notification_policy(self, policy: NotificationPolicy) -> None:
        await self.db.notification_policies.update_one(
            {"_id": policy.account_id},
            {"$set": {f: getattr(policy, f) for f in POLICY_FIELDS}},
            upsert=True,
        )

    async def has_notification_permission(self, account_id: int, from_account_id: int) -> bool:
        found = await self.db.notification_permissions.find_one(
            {"_id": edge(account_id, from_account_id)}, {"_id": 1}
        )
        return found is not None

    async def _filtered_counts(
        self, account_id: int, senders: Iterable[int] | None = None
    ) -> Counter[int]:
        """Filtered mentions and quotes per sender (all senders when `senders` is None)."""
        query: Doc = {"account_id": account_id, "filtered": True, "type": {"$in": _COUNTED_TYPES}}
        if senders is not None:
            query["from_account_id"] = {"$in": unique_ids(senders)}
        docs = await self.db.notifications.find(query, {"from_account_id": 1}).to_list(None)
        return Counter(doc["from_account_id"] for doc in docs)

    async def save_notification_request(self, request: NotificationRequest) -> NotificationRequest:
        changes: Doc = {"updated_at": ts(request.updated_at)}
        if request.last_status_id is not None:
            changes["last_status_id"] = request.last_status_id
        await self.db.notification_requests.update_one(
            {"_id": edge(request.account_id, request.from_account_id)},
            {
                "$setOnInsert": {
                    "id": request.id,
                    "account_id": request.account_id,
                    "from_account_id": request.from_account_id,
                    "created_at": ts(request.created_at),
                },
                "$set": changes,
            },
            upsert=True,
        )
        doc = await self.db.notification_requests.find_one(
            {"_id": edge(request.account_id, request.from_account_id)}
        )
        assert doc is not None
        counts = await self._filtered_counts(request.account_id, [request.from_account_id])
        return _request(doc, min(counts[request.from_account_id], _COUNT_CAP))

    async def get_notification_request(
        self, account_id: int, request_id: int
    ) -> NotificationRequest | None:
        doc = await self.db.notification_requests.find_one(
            {"account_id": account_id, "id": request_id}
        )
        if doc is None:
            return None
        count = (await self._filtered_counts(account_id, [doc["from_account_id"]]))[
            doc["from_account_id"]
        ]
        return _request(doc, min(count, _COUNT_CAP)) if count else None

    async def list_notification_requests(
        self, account_id: int, page: Page
    ) -> list[NotificationRequest]:
        counts = await self._filtered_counts(account_id)
        if not counts:
            return []
        docs = await self.db.notification_requests.find(
            {
                "account_id": account_id,
                "from_account_id": {"$in": list(counts)},
                **page_filter(page, "id"),
            },
            sort=page_sort(page, "id"),
            limit=page.limit,
        ).to_list(None)
        return [
            _request(doc, min(counts[doc["from_account_id"]], _COUNT_CAP))
            for doc in newest_first(page, docs)
        ]

    async def _senders(
        self, account_id: int, request_ids: Iterable[int], session: Session
    ) -> list[Doc]:
        wanted = unique_ids(request_ids)
        if not wanted:
            return []
        return await self.db.notification_requests.find(
            {"account_id": account_id, "id": {"$in": wanted}}, session=session
        ).to_list(None)

    async def accept_notification_requests(
        self, account_id: int, request_ids: Iterable[int], at: datetime
    ) -> int:
        db = self.db
        wanted = list(request_ids)

        async def accept(session: Session) -> int:
            found = await self._senders(account_id, wanted, session)
            for doc in found:
                sender = doc["from_account_id"]
                await db.notification_permissions.update_one(
                    {"_id": edge(account_id, sender)},
                    {
                        "$setOnInsert": {
                            "account_id": account_id,
                            "from_account_id": sender,
                            "created_at": ts(at),
                        }
                    },
                    upsert=True,
                    session=session,
                )
                await db.notifications.update_many(
                    {"account_id": account_id, "from_account_id": sender, "filtered": True},
                    {"$set": {"filtered": False}},
                    session=session,
                )
                await db.notification_requests.delete_one({"_id": doc["_id"]}, session=session)
            return len(found)

        return await self._transaction(accept)

    async def dismiss_notification_requests(
        self, account_id: int, request_ids: Iterable[int]
    ) -> int:
        db = self.db
        wanted = list(request_ids)

        async def dismiss(session: Session) -> int:
            found = await self._senders(account_id, wanted, session)
            for doc in found:
                await db.notifications.delete_many(
                    {
                        "account_id": account_id,
                        "from_account_id": doc["from_account_id"],
                        "filtered": True,
                    },
                    session=session,
                )
                await db.notification_requests.delete_one({"_id": doc["_id"]}, session=session)
            return len(found)

        return await self._transaction(dismiss)

    async def summarize_notification_requests(self, account_id: int, cap: int) -> tuple[int, int]:
        counts = await self._filtered_counts(account_id)
        if not counts:
            return 0, 0
        docs = await self.db.notification_requests.find(
            {"account_id": account_id, "from_account_id": {"$in": list(counts)}},
            {"from_account_id": 1},
            limit=cap,
        ).to_list(None)
        return len(docs), sum(min(counts[d["from_account_id"]], _COUNT_CAP) for d in docs)
