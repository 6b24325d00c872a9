"""Streamers' stream keys in MongoDB (`stream_keys`, `_id` the account id)."""

from __future__ import annotations

from chirp.core.models import StreamKey
from chirp.core.ports.errors import MissingRecord
from chirp.storage.mongodb.base import Doc, MongoBase, dt, ts


def _key(doc: Doc) -> StreamKey:
    return StreamKey(account_id=doc["_id"], digest=doc["digest"], created_at=dt(doc["created_at"]))


class MongoLiveKeys(MongoBase):
    async def set_stream_key(self, key: StreamKey) -> None:
        if not await self._account_exists(key.account_id):
            raise MissingRecord("account")
        await self.db.stream_keys.update_one(
            {"_id": key.account_id},
            {"$set": {"digest": key.digest, "created_at": ts(key.created_at)}},
            upsert=True,
        )

    async def get_stream_key(self, account_id: int) -> StreamKey | None:
        doc = await self.db.stream_keys.find_one({"_id": account_id})
        return _key(doc) if doc else None

    async def find_stream_key(self, digest: str) -> StreamKey | None:
        doc = await self.db.stream_keys.find_one({"digest": digest})
        return _key(doc) if doc else None
