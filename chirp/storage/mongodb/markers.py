"""Timeline markers in MongoDB (`markers`, `_id` "<account>:<timeline>")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo import ReturnDocument

from chirp.core.models import Marker
from chirp.storage.mongodb.base import Doc, MongoBase, dt, edge, ts


def marker_doc(account_id: int, marker: Marker) -> Doc:
    return {
        "_id": edge(account_id, marker.timeline),
        "account_id": account_id,
        "timeline": marker.timeline,
        "last_read_id": marker.last_read_id,
        "version": marker.version,
        "updated_at": ts(marker.updated_at),
    }


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
        fresh = marker_doc(account_id, Marker(timeline, last_read_id, 1, at))
        del fresh["_id"]
        created = await self.db.markers.update_one(
            {"_id": key}, {"$setOnInsert": fresh}, upsert=True
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
