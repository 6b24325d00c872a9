"""Profile pictures in MongoDB: the account document names its avatar's and header's blobs."""

from __future__ import annotations

from datetime import datetime

from pymongo import ReturnDocument

from chirp.core.models import Account
from chirp.storage.mongodb.accounts import account_from_doc
from chirp.storage.mongodb.base import MongoBase, ts

PROFILE_IMAGES = ("avatar", "header")


class MongoProfileImages(MongoBase):
    async def set_profile_image(
        self, account_id: int, kind: str, key: str | None, url: str | None, updated_at: datetime
    ) -> tuple[Account, str | None] | None:
        if kind not in PROFILE_IMAGES:
            raise ValueError(f"not a profile image: {kind}")
        before = await self.db.accounts.find_one_and_update(
            {"_id": account_id},
            {"$set": {f"{kind}_key": key, f"{kind}_url": url, "updated_at": ts(updated_at)}},
            return_document=ReturnDocument.BEFORE,
        )
        if before is None:
            return None
        after = {**before, f"{kind}_key": key, f"{kind}_url": url, "updated_at": ts(updated_at)}
        return account_from_doc(after), before.get(f"{kind}_key")
