"""A streamer's chat moderators and bans in MongoDB (`chat_moderators`, `chat_bans`, both
`_id` "<streamer>:<account>")."""

from __future__ import annotations

from datetime import datetime

from chirp.core.ports.errors import MissingRecord
from chirp.storage.mongodb.base import MongoBase, edge, ts
from chirp.storage.mongodb.schema import insert_new


class MongoLiveChatModeration(MongoBase):
    async def add_chat_moderator(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        found = await self.db.accounts.count_documents({"_id": {"$in": [streamer_id, account_id]}})
        if found != len({streamer_id, account_id}):
            raise MissingRecord("account")
        doc = {
            "_id": edge(streamer_id, account_id),
            "streamer_id": streamer_id,
            "account_id": account_id,
            "created_at": ts(at),
        }
        return await insert_new(self.db, "chat_moderators", doc)

    async def remove_chat_moderator(self, streamer_id: int, account_id: int) -> bool:
        result = await self.db.chat_moderators.delete_one({"_id": edge(streamer_id, account_id)})
        return result.deleted_count == 1

    async def is_chat_moderator(self, streamer_id: int, account_id: int) -> bool:
        found = await self.db.chat_moderators.find_one({"_id": edge(streamer_id, account_id)})
        return found is not None

    async def list_chat_moderators(self, streamer_id: int, *, limit: int) -> list[int]:
        docs = await self.db.chat_moderators.find(
            {"streamer_id": streamer_id},
            sort=[("created_at", 1), ("account_id", 1)],
            limit=limit,
        ).to_list(None)
        return [int(doc["account_id"]) for doc in docs]

    async def ban_from_chat(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        found = await self.db.accounts.count_documents({"_id": {"$in": [streamer_id, account_id]}})
        if found != len({streamer_id, account_id}):
            raise MissingRecord("account")
        ban = {
            "_id": edge(streamer_id, account_id),
            "streamer_id": streamer_id,
            "account_id": account_id,
            "created_at": ts(at),
        }
        return await insert_new(self.db, "chat_bans", ban)

    async def unban_from_chat(self, streamer_id: int, account_id: int) -> bool:
        result = await self.db.chat_bans.delete_one({"_id": edge(streamer_id, account_id)})
        return result.deleted_count == 1

    async def is_banned_from_chat(self, streamer_id: int, account_id: int) -> bool:
        found = await self.db.chat_bans.find_one({"_id": edge(streamer_id, account_id)})
        return found is not None
