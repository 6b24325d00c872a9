"""Timeline markers in MongoDB (`markers`, `_id` "<account>:<timeline>")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo import ReturnDocument

from chirp.core.models import Marker
from chirp.storage.mongodb.base import Doc, MongoBase, dt, edge, ts


def _marker(doc: Doc) -> Marker:
    return Marker(
        timeline=doc["timeline"],
        last_read_id=doc["last_read_id"],
        version=doc["version"],
        updated_at=dt(doc["updated_at"]),
    )


class MongoMarkers(MongoBase):
    async def get_markers(self, account_id: int, timelines: Iterable[str]) -> dict[str, Marker]:
        keys = [edge(account_id, timeline) for timeline in dict.fromkeys(timelines)]
        if not keys:
            return {}
        docs = await self.db.markers.find({"_id": {"$in": keys}}).to_list(None)
        return {doc["timeline"]: _marker(doc) for doc in docs}

    async def save_marker(
        self, account_id: int, timeline: str, last_read_id: int, at: datetime
    ) -> Marker:
        key = edge(account_id, timeline)
        # Three single-document steps, each atomic: create at version 1; else move it (one
        # more version); else it already reads this position. Two concurrent saves each count.
        created = await self.db.markers.update_one(
            {"_id": key},
            {
                "$setOnInsert": {
                    "account_id": account_id,
                    "timeline": timeline,
                    "last_read_id": last_read_id,
                    "version": 1,
                    "updated_at": ts(at),
                }
            },
            upsert=True,
        )
        if created.upserted_id is None:
            moved = await self.db.markers.find_one_and_update(
                {"_id": key, "last_read_id": {"$ne": last_read_id}},
                {
                    "$set": {"last_read_id": last_read_id, "updated_at": ts(at)},
                    "$inc": {"version": 1},
                },
                return_document=ReturnDocument.AFTER,
            )
            if moved is not None:
                return _marker(moved)
        doc = await self.db.markers.find_one({"_id": key})
        assert doc is not None  # markers are never deleted
        return _marker(doc)
