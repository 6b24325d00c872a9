"""Direct conversations in MongoDB (`conversations`: one document per participant, `_id` the
conversation id, its tweets in `status_ids`; unique by account, thread and participants)."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ReturnDocument

from chirp.core.models import Conversation, Page
from chirp.storage.mongodb.base import Doc, MongoBase, newest_first, page_filter, page_sort
from chirp.storage.shared import participants_key


def _conversation(doc: Doc) -> Conversation:
    return Conversation(
        id=doc["_id"],
        account_id=doc["account_id"],
        thread_id=doc["thread_id"],
        participant_ids=tuple(doc["participant_ids"]),
        status_ids=tuple(sorted(doc["status_ids"])),
        last_status_id=doc["last_status_id"],
        unread=doc["unread"],
    )


class MongoConversations(MongoBase):
    async def add_conversation_status(
        self,
        account_id: int,
        thread_id: int,
        participant_ids: Sequence[int],
        status_id: int,
        *,
        unread: bool,
        new_id: int,
    ) -> Conversation:
        key = {
            "account_id": account_id,
            "thread_id": thread_id,
            "key": participants_key(participant_ids),
        }
        # As Mastodon: a tweet already in it changes nothing (a retried event, or an edit).
        found = await self.db.conversations.find_one({**key, "status_ids": status_id})
        if found is not None:
            return _conversation(found)
        doc = await self.db.conversations.find_one_and_update(
            key,
            {
                "$setOnInsert": {"_id": new_id, "participant_ids": sorted(set(participant_ids))},
                "$addToSet": {"status_ids": status_id},
                "$max": {"last_status_id": status_id},
                "$set": {"unread": unread},
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None  # an upsert returns the document
        return _conversation(doc)

    async def remove_conversation_status(self, status_id: int) -> list[Conversation]:
        standing = []
        for doc in await self.db.conversations.find({"status_ids": status_id}).to_list(None):
            left = [s for s in doc["status_ids"] if s != status_id]
            if not left:
                await self.db.conversations.delete_one({"_id": doc["_id"]})
                continue
            updated = await self.db.conversations.find_one_and_update(
                {"_id": doc["_id"]},
                {"$pull": {"status_ids": status_id}, "$set": {"last_status_id": max(left)}},
                return_document=ReturnDocument.AFTER,
            )
            if updated is not None:
                standing.append(_conversation(updated))
        return standing

    async def conversations_with_status(self, status_id: int) -> list[Conversation]:
        docs = await self.db.conversations.find(
            {"status_ids": status_id}, sort=[("_id", 1)]
        ).to_list(None)
        return [_conversation(doc) for doc in docs]

    async def direct_timeline(self, account_id: int, page: Page) -> list[int]:
        docs = await self.db.statuses.find(
            {
                "visibility": "direct",
                "$or": [{"account_id": account_id}, {"mention_ids": account_id}],
                **page_filter(page),
            },
            {"_id": 1},
            sort=page_sort(page),
            limit=page.limit,
        ).to_list(None)
        return [doc["_id"] for doc in newest_first(page, docs)]

    async def list_conversations(self, account_id: int, page: Page) -> list[Conversation]:
        docs = await self.db.conversations.find(
            {"account_id": account_id, **page_filter(page, "last_status_id")},
            sort=page_sort(page, "last_status_id"),
            limit=page.limit,
        ).to_list(None)
        return [_conversation(doc) for doc in newest_first(page, docs)]

    async def get_conversation(self, account_id: int, conversation_id: int) -> Conversation | None:
        doc = await self.db.conversations.find_one(
            {"_id": conversation_id, "account_id": account_id}
        )
        return _conversation(doc) if doc else None

    async def mark_conversation_read(
        self, account_id: int, conversation_id: int
    ) -> Conversation | None:
        doc = await self.db.conversations.find_one_and_update(
            {"_id": conversation_id, "account_id": account_id},
            {"$set": {"unread": False}},
            return_document=ReturnDocument.AFTER,
        )
        return _conversation(doc) if doc else None

    async def remove_conversation(self, account_id: int, conversation_id: int) -> bool:
        result = await self.db.conversations.delete_one(
            {"_id": conversation_id, "account_id": account_id}
        )
        return result.deleted_count == 1
