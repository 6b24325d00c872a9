"""The transactional outbox in MongoDB (`outbox`): events leased by the dispatcher, deleted
when handled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pymongo import ReturnDocument

from chirp.core.models import Event, RunningNode
from chirp.storage.mongodb.base import Doc, MongoBase, dt, ts


class MongoOutbox(MongoBase):
    async def count_due_events(self, now: datetime) -> int:
        return int(await self.db.outbox.count_documents({"available_at": {"$lte": ts(now)}}))

    async def claim_events(
        self, *, limit: int, now: datetime, lease_seconds: float, owner: str = ""
    ) -> list[Event]:
        due: Doc = {
            "available_at": {"$lte": ts(now)},
            "$or": [{"claimed_until": None}, {"claimed_until": {"$lt": ts(now)}}],
        }
        candidates = await self.db.outbox.find(
            due, {"_id": 1}, sort=[("_id", 1)], limit=limit
        ).to_list(None)
        lease = {
            "claimed_until": ts(now + timedelta(seconds=lease_seconds)),
            "claimed_by": owner or None,
        }
        events = []
        for candidate in candidates:
            # Atomic per event: of two dispatchers, only one still finds it due.
            doc = await self.db.outbox.find_one_and_update(
                {"_id": candidate["_id"], **due},
                {"$set": lease, "$inc": {"attempts": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                events.append(
                    Event(
                        id=doc["_id"],
                        kind=doc["kind"],
                        payload=doc["payload"],
                        attempts=doc["attempts"],
                    )
                )
        return events

    async def complete_event(self, event_id: int) -> None:
        await self.db.outbox.delete_one({"_id": event_id})

    async def complete_events(self, event_ids: Sequence[int]) -> None:
        if event_ids:
            await self.db.outbox.delete_many({"_id": {"$in": list(event_ids)}})

    async def retry_event(self, event_id: int, *, available_at: datetime) -> None:
        await self.db.outbox.update_one(
            {"_id": event_id},
            {"$set": {"available_at": ts(available_at), "claimed_until": None, "claimed_by": None}},
        )

    async def oldest_event_id(self) -> int | None:
        doc = await self.db.outbox.find_one({}, {"_id": 1}, sort=[("_id", 1)])
        return int(doc["_id"]) if doc is not None else None

    async def beat_node(self, node: RunningNode) -> None:
        await self.db.nodes.update_one(
            {"_id": node.key},
            {
                "$set": {
                    "host": node.host,
                    "pid": node.pid,
                    "shared_bus": node.shared_bus,
                    "seen_at": ts(node.seen_at),
                }
            },
            upsert=True,
        )

    async def list_nodes(self) -> list[RunningNode]:
        return [
            RunningNode(
                key=doc["_id"],
                host=doc["host"],
                pid=doc["pid"],
                shared_bus=doc["shared_bus"],
                seen_at=dt(doc["seen_at"]),
            )
            for doc in await self.db.nodes.find({}).to_list(None)
        ]

    async def remove_node(self, key: str) -> int:
        await self.db.nodes.delete_one({"_id": key})
        released = await self.db.outbox.update_many(
            {"claimed_by": key}, {"$set": {"claimed_until": None, "claimed_by": None}}
        )
        return int(released.modified_count)
