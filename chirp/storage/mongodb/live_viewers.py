"""Live streams' viewers in MongoDB: player heartbeats (`live_viewers`), the pushed count
(`live_streams.viewers_count`) and its history per minute (`viewer_history`, `_id`
"<stream>:<minute>")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from chirp.core.ports.errors import MissingRecord
from chirp.storage.mongodb.base import MongoBase, edge, unix_ms


class MongoLiveViewers(MongoBase):
    async def record_viewer(
        self, stream_id: int, viewer: str, at: datetime, *, active_since: datetime
    ) -> int:
        if await self.db.live_streams.find_one({"_id": stream_id}, {"_id": 1}) is None:
            raise MissingRecord("live stream")
        since = unix_ms(active_since)
        await self.db.live_viewers.update_one(
            {"_id": edge(stream_id, viewer), "stream_id": stream_id},  # + the shard key
            {"$max": {"seen_ms": unix_ms(at)}},
            upsert=True,
        )
        await self.db.live_viewers.delete_many({"stream_id": stream_id, "seen_ms": {"$lt": since}})
        return await self.db.live_viewers.count_documents(
            {"stream_id": stream_id, "seen_ms": {"$gte": since}}
        )

    async def count_live_viewers(self, active_since: datetime) -> dict[int, int]:
        live = await self.db.live_streams.find({"state": "live"}, {"_id": 1}).to_list(None)
        counts = {doc["_id"]: 0 for doc in live}
        if not counts:
            return counts
        cursor = await self.db.live_viewers.aggregate(
            [
                {
                    "$match": {
                        "stream_id": {"$in": list(counts)},
                        "seen_ms": {"$gte": unix_ms(active_since)},
                    }
                },
                {"$group": {"_id": "$stream_id", "n": {"$sum": 1}}},
            ]
        )
        for row in await cursor.to_list(None):
            counts[row["_id"]] = row["n"]
        return counts

    async def set_viewers_count(self, stream_id: int, count: int) -> bool:
        result = await self.db.live_streams.update_one(
            {"_id": stream_id, "viewers_count": {"$ne": count}},
            {"$set": {"viewers_count": count}},
        )
        return result.modified_count == 1

    async def record_viewer_counts(self, counts: Mapping[int, int], minute: datetime) -> None:
        if not counts:
            return
        present = await self.db.live_streams.find(
            {"_id": {"$in": list(counts)}}, projection={"_id": 1}
        ).to_list(None)
        at = unix_ms(minute)
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
