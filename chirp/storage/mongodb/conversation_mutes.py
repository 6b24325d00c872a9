"""Muted conversations in MongoDB (`conversation_mutes`, `_id` = "<account>:<thread root>")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chirp.storage.mongodb.base import MongoBase, edge, ts, unique_ids
from chirp.storage.mongodb.schema import insert_new


class MongoConversationMutes(MongoBase):
    async def mute_conversation(self, account_id: int, conversation_id: int, at: datetime) -> bool:
        return await insert_new(
            self.db,
            "conversation_mutes",
            {
                "_id": edge(account_id, conversation_id),
                "account_id": account_id,
                "conversation_id": conversation_id,
                "created_at": ts(at),
            },
        )

    async def unmute_conversation(self, account_id: int, conversation_id: int) -> bool:
        result = await self.db.conversation_mutes.delete_one(
            {"_id": edge(account_id, conversation_id)}
        )
        return result.deleted_count == 1

    async def get_muted_conversations(
        self, account_id: int, conversation_ids: Iterable[int]
    ) -> set[int]:
        wanted = [edge(account_id, c) for c in unique_ids(conversation_ids)]
        if not wanted:
            return set()
        docs = await self.db.conversation_mutes.find(
            {"_id": {"$in": wanted}}, {"conversation_id": 1}
        ).to_list(None)
        return {doc["conversation_id"] for doc in docs}

    async def get_conversation_muters(
        self, conversation_id: int, account_ids: Iterable[int]
    ) -> set[int]:
        wanted = [edge(a, conversation_id) for a in unique_ids(account_ids)]
        if not wanted:
            return set()
        docs = await self.db.conversation_mutes.find(
            {"_id": {"$in": wanted}}, {"account_id": 1}
        ).to_list(None)
        return {doc["account_id"] for doc in docs}
