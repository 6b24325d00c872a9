"""Read markers in MongoDB (`markers`, `_id` = "<account>:<timeline>"); `version` counts saves."""

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
        wanted = [edge(account_id, t) for t in dict.fromkeys(timelines)]
        if not wanted:
            return {}
        docs = await self.db.markers.find({"_id": {"$in": wanted}}).to_list(None)
        return {doc["timeline"]: _marker(doc) for doc in docs}

    async def save_marker(
        self, account_id: int, timeline: str, last_read_id: int, at: datetime
    ) -> Marker:
        doc = await self.db.markers.find_one_and_update(
            {"_id": edge(account_id, timeline)},
            {
                "$set": {"last_read_id": last_read_id, "updated_at": ts(at)},
                "$setOnInsert": {"account_id": account_id, "timeline": timeline},
                "$inc": {"version": 1},
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None  # upserted
        return _marker(doc)
