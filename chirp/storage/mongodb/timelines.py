"""Home feeds (`home_feed`: fan-out on write, capped per owner) and the account, public and
hashtag timelines (queries on `statuses`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo.errors import BulkWriteError

from chirp.core.models import Page, Status
from chirp.core.ports.timelines import AccountFilter, FanOut
from chirp.core.text import tag_key
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    edge,
    merge_pages,
    newest_first,
    page_filter,
    page_sort,
    unique_ids,
)
from chirp.storage.mongodb.lists import write_list_entries
from chirp.storage.mongodb.schema import insert_new
from chirp.storage.shared import FanOutOne

TRIM_CHUNK = 500


def feed_entry(owner_id: int, status_id: int, author_id: int, reblog_of_id: int | None) -> Doc:
    """`author_id` is who put the entry there (the retweeter for retweets), so an unfollow
    removes exactly that account's entries."""
    return {
        "_id": edge(owner_id, status_id),
        "owner_id": owner_id,
        "status_id": status_id,
        "author_id": author_id,
        "reblog_of_id": reblog_of_id,
    }


class MongoTimelines(MongoBase, FanOutOne):
    async def fan_out_many(self, requests: Sequence[FanOut]) -> dict[int, list[int]]:
        # Not one transaction: each entry is independent and idempotent (its `_id` is the
        # (owner, status) pair), and a fan-out to thousands of feeds must not hold a
        # transaction open. A retried fan-out inserts only what is missing.
        reached: dict[int, list[int]] = {}
        for request in requests:
            reached[request.status.id] = await self._fan_out_one(request)
        return reached

    async def _fan_out_one(self, request: FanOut) -> list[int]:
        status = request.status
        if await self.db.statuses.find_one({"_id": status.id}, {"_id": 1}) is None:
            return []
        await write_list_entries(self.db, request)
        return await self._insert_entries(
            unique_ids(request.owner_ids), status.id, status.account_id, status.reblog_of_id
        )

    async def _insert_entries(
        self, owners: list[int], status_id: int, author_id: int, reblog_of_id: int | None
    ) -> list[int]:
        """Insert the missing entries; returns the owners whose feeds changed."""
        if not owners:
            return []
        present = {
            doc["owner_id"]
            for doc in await self.db.home_feed.find(
                {"_id": {"$in": [edge(owner, status_id) for owner in owners]}}, {"owner_id": 1}
            ).to_list(None)
        }
        missing = [owner for owner in owners if owner not in present]
        if not missing:
            return []
        entries = [feed_entry(owner, status_id, author_id, reblog_of_id) for owner in missing]
        try:
            await self.db.home_feed.insert_many(entries, ordered=False)
        except BulkWriteError as error:  # another node inserted some meanwhile: not ours
            failed = {e["index"] for e in error.details.get("writeErrors", [])}
            return [owner for i, owner in enumerate(missing) if i not in failed]
        return missing

    async def trim_home_feeds(self, owner_ids: Iterable[int], cap: int, slack: int = 0) -> int:
        owners = unique_ids(owner_ids)
        removed = 0
        for start in range(0, len(owners), TRIM_CHUNK):
            # One round trip finds the feeds over the limit (most are not, thanks to the slack).
            cursor = await self.db.home_feed.aggregate(
                [
                    {"$match": {"owner_id": {"$in": owners[start : start + TRIM_CHUNK]}}},
                    {"$group": {"_id": "$owner_id", "entries": {"$sum": 1}}},
                    {"$match": {"entries": {"$gt": cap + slack}}},
                ]
            )
            for row in await cursor.to_list(None):
                kept = await self.db.home_feed.find(
                    {"owner_id": row["_id"]},
                    {"status_id": 1},
                    sort=[("status_id", -1)],
                    skip=cap - 1,
                    limit=1,
                ).to_list(None)
                result = await self.db.home_feed.delete_many(
                    {"owner_id": row["_id"], "status_id": {"$lt": kept[0]["status_id"]}}
                )
                removed += result.deleted_count
        return removed

    async def merge_into_home_feed(
        self, owner_id: int, author_id: int, statuses: Sequence[Status]
    ) -> int:
        if not await self._follows(owner_id, author_id):
            return 0  # unfollowed since: nothing to merge
        alive = {
            doc["_id"]
            for doc in await self.db.statuses.find(
                {"_id": {"$in": [s.id for s in statuses]}}, {"_id": 1}
            ).to_list(None)
        }
        added = 0
        for status in statuses:
            if status.id in alive:
                entry = feed_entry(owner_id, status.id, author_id, status.reblog_of_id)
                added += await insert_new(self.db, "home_feed", entry)
        return added

    async def remove_unfollowed_from_feed(self, owner_id: int, author_id: int) -> int:
        if await self._follows(owner_id, author_id):
            return 0  # followed again since
        result = await self.db.home_feed.delete_many({"owner_id": owner_id, "author_id": author_id})
        return result.deleted_count

    async def _follows(self, account_id: int, target_account_id: int) -> bool:
        edge_id = edge(account_id, target_account_id)
        return await self.db.follows.find_one({"_id": edge_id}, {"_id": 1}) is not None

    async def _page_ids(self, collection: str, query: Doc, page: Page, field: str) -> list[int]:
        bounds = page_filter(page, field)
        if field in query and bounds:  # both constrain the id: one operator document
            bounds = {field: {**query[field], **bounds[field]}}
        docs = (
            await self.db[collection]
            .find(
                {**query, **bounds},
                {field: 1},
                sort=page_sort(page, field),
                limit=page.limit,
            )
            .to_list(None)
        )
        return [doc[field] for doc in docs]

    async def home_timeline(self, owner_id: int, page: Page) -> list[int]:
        # Two index ranges, each cut to the page, merged: the feed, and the owner's own posts
        # (shown at once, before any fan-out).
        feed = await self._page_ids("home_feed", {"owner_id": owner_id}, page, "status_id")
        own = await self._page_ids("statuses", {"account_id": owner_id}, page, "_id")
        return merge_pages(page, feed, own)

    async def accounts_timeline(
        self, account_ids: Iterable[int], page: Page, *, visibilities: Sequence[str]
    ) -> list[int]:
        authors = unique_ids(account_ids)
        if not authors or not visibilities:
            return []
        query = {"account_id": {"$in": authors}, "visibility": {"$in": list(visibilities)}}
        return newest_first(page, await self._page_ids("statuses", query, page, "_id"))

    async def account_timeline(
        self, account_id: int, page: Page, options: AccountFilter
    ) -> list[int]:
        query: dict[str, Any] = {"account_id": account_id}
        visible: Doc = {"visibility": {"$in": list(options.visibilities)}}
        if options.include_direct_to is not None:
            query["$or"] = [visible, {"mention_ids": options.include_direct_to}]
        else:
            query.update(visible)
        if options.exclude_replies:
            query["self_thread"] = True
        if options.exclude_reblogs:
            query["reblog_of_id"] = None
        if options.only_media:
            query["has_media"] = True
        if options.tagged:
            query["tag_keys"] = tag_key(options.tagged)
        if options.pinned:
            pins = await self.db.pins.find({"account_id": account_id}, {"status_id": 1}).to_list(
                None
            )
            query["_id"] = {"$in": [doc["status_id"] for doc in pins]}
        return newest_first(page, await self._page_ids("statuses", query, page, "_id"))

    async def public_timeline(self, page: Page, *, only_media: bool = False) -> list[int]:
        query: Doc = {"public_feed": True}
        if only_media:
            query["has_media"] = True
        return newest_first(page, await self._page_ids("statuses", query, page, "_id"))

    async def tag_timeline(
        self, tag_names: Iterable[str], page: Page, *, only_media: bool = False
    ) -> list[int]:
        keys = list(dict.fromkeys(tag_key(name) for name in tag_names))
        if not keys:
            return []
        query: Doc = {"tag_keys": {"$in": keys}, "visibility": "public"}
        if only_media:
            query["has_media"] = True
        return newest_first(page, await self._page_ids("statuses", query, page, "_id"))
