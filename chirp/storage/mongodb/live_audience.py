"""A streamer's chat moderators and streams' viewer count history in MongoDB
(`chat_moderators`, `_id` "<streamer>:<account>"; `viewer_history`, `_id` "<stream>:<minute>")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from chirp.core.ports.errors import MissingRecord
from chirp.storage.mongodb.base import MongoBase, edge, ts
from chirp.storage.mongodb.schema import insert_new


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class MongoLiveAudience(MongoBase):
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

    async def record_viewer_counts(self, counts: Mapping[int, int], minute: datetime) -> None:
        if not counts:
            return
        present = await self.db.live_streams.find(
            {"_id": {"$in": list(counts)}}, projection={"_id": 1}
        ).to_list(None)
        at = _ms(minute)
        for doc in present:  # a few live streams per sample
            await self.db.viewer_history.update_one(
                {"_id": edge(doc["_id"], at)},
                {
                    "$max": {"viewers": counts[doc["_id"]]},
                    "$setOnInsert": {"stream_id": doc["_id"], "minute_ms": at},
                },
                upsert=True,
            )

    async def viewer_count_history(
        self, stream_id: int, *, limit: int
    ) -> list[tuple[datetime, int]]:
        docs = await self.db.viewer_history.find(
            {"stream_id": stream_id}, sort=[("minute_ms", -1)], limit=limit
        ).to_list(None)
        return [
            (datetime.fromtimestamp(doc["minute_ms"] / 1000, UTC), int(doc["viewers"]))
            for doc in reversed(docs)
        ]
