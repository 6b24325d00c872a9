"""The link timeline in MongoDB: each tweet's `link_keys`, written with it (`status_doc`)."""

from __future__ import annotations

from chirp.core.models import Page
from chirp.storage.mongodb.base import MongoBase, newest_first, page_filter, page_sort


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
