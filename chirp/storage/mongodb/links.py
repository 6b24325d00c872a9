"""The link timeline in MongoDB: each tweet's `link_keys`, written with it (`status_doc`)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from chirp.core.models import Page
from chirp.core.text import status_link_keys
from chirp.storage.mongodb.base import Doc, MongoBase, newest_first, page_filter, page_sort


class MongoLinks(MongoBase):
    async def link_timeline(self, link_key: str, page: Page) -> list[int]:
        docs = await self.db.statuses.find(
            {
                "link_keys": link_key,
                "visibility": "public",
                "reblog_of_id": None,
                **page_filter(page),
            },
            {"_id": 1},
            sort=page_sort(page),
            limit=page.limit,
        ).to_list(None)
        return newest_first(page, [doc["_id"] for doc in docs])


BACKFILL_BATCH = 1_000


async def add_missing_link_keys(db: AsyncDatabase[Doc]) -> int:
    """Give the tweets stored before `link_keys` existed theirs; returns how many. Idempotent,
    and cheap once done: the `link_keys` index finds the documents without the field."""
    done = 0
    while True:
        docs = await db.statuses.find(
            {"link_keys": {"$exists": False}}, {"text": 1}, limit=BACKFILL_BATCH
        ).to_list(None)
        for doc in docs:
            await db.statuses.update_one(
                {"_id": doc["_id"]},
                {"$set": {"link_keys": status_link_keys(doc.get("text") or "")}},
            )
        done += len(docs)
        if len(docs) < BACKFILL_BATCH:
            return done
