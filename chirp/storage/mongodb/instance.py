"""Instance-wide figures in MongoDB: how many accounts are active."""

from __future__ import annotations

from datetime import datetime

from chirp.storage.mongodb.base import MongoBase, ts


class MongoInstance(MongoBase):
    async def count_active_accounts(self, since: datetime) -> int:
        # `last_status_at` is fixed-width UTC text (or null), so text order is time order.
        return int(await self.db.accounts.count_documents({"last_status_at": {"$gte": ts(since)}}))
