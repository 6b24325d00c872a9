"""Likes, bookmarks and pins in MongoDB (`favourites`, `bookmarks`, `pins`; retweets are in
`reblogs`). Each relation's `_id` is its natural key, so a repeat is a no-op and the counter
moves with the row in one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.ids import id_time
from chirp.core.models import Event, Page
from chirp.core.ports.engagement import ViewerState
from chirp.core.ports.errors import MissingRecord
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    edge,
    newest_first,
    page_filter,
    page_sort,
    record_event,
    unique_ids,
)
from chirp.storage.mongodb.schema import insert_new
from chirp.storage.mongodb.statuses import inc_counter


class MongoEngagement(MongoBase):
    async def _add_marker(
        self, collection: str, row_id: int, account_id: int, status_id: int, session: Session
    ) -> Doc | None:
        """Insert the relation unless it exists; the status's document when it is new."""
        status = await self.db.statuses.find_one(
            {"_id": status_id}, {"visibility": 1}, session=session
        )
        if status is None:
            raise MissingRecord(f"status {status_id}")
        marker = {
            "_id": edge(account_id, status_id),
            "id": row_id,
            "account_id": account_id,
            "status_id": status_id,
            "public": status["visibility"] == "public",
        }
        return status if await insert_new(self.db, collection, marker, session) else None

    async def add_favourite(
        self, favourite_id: int, account_id: int, status_id: int, *, event: Event
    ) -> bool:
        async def add(session: Session) -> bool:
            if not await self._add_marker(
                "favourites", favourite_id, account_id, status_id, session
            ):
                return False
            await inc_counter(self.db, session, "statuses", status_id, "favourites_count", +1)
            await record_event(self.db, session, event, id_time(favourite_id))
            return True

        return await self._transaction(add)

    async def remove_favourite(self, account_id: int, status_id: int, *, event: Event) -> bool:
        async def remove(session: Session) -> bool:
            result = await self.db.favourites.delete_one(
                {"_id": edge(account_id, status_id)}, session=session
            )
            if result.deleted_count != 1:
                return False
            await inc_counter(self.db, session, "statuses", status_id, "favourites_count", -1)
            await record_event(self.db, session, event, id_time(event.id))
            return True

        return await self._transaction(remove)

    async def _add_plain(
        self, collection: str, row_id: int, account_id: int, status_id: int
    ) -> bool:
        async def add(session: Session) -> bool:
            added = await self._add_marker(collection, row_id, account_id, status_id, session)
            return added is not None

        return await self._transaction(add)

    async def _remove_plain(self, collection: str, account_id: int, status_id: int) -> bool:
        result = await self.db[collection].delete_one({"_id": edge(account_id, status_id)})
        return result.deleted_count == 1

    async def add_bookmark(self, bookmark_id: int, account_id: int, status_id: int) -> bool:
        return await self._add_plain("bookmarks", bookmark_id, account_id, status_id)

    async def remove_bookmark(self, account_id: int, status_id: int) -> bool:
        return await self._remove_plain("bookmarks", account_id, status_id)

    async def add_pin(self, pin_id: int, account_id: int, status_id: int) -> bool:
        return await self._add_plain("pins", pin_id, account_id, status_id)

    async def remove_pin(self, account_id: int, status_id: int) -> bool:
        return await self._remove_plain("pins", account_id, status_id)

    async def count_pins(self, account_id: int) -> int:
        return await self.db.pins.count_documents({"account_id": account_id})

    async def get_viewer_state(self, account_id: int, status_ids: Iterable[int]) -> ViewerState:
        ids = unique_ids(status_ids)
        state = ViewerState()
        if not ids:
            return state
        keys = [edge(account_id, status_id) for status_id in ids]
        for collection, bucket in (
            ("favourites", state.favourited),
            ("reblogs", state.reblogged),
            ("bookmarks", state.bookmarked),
            ("pins", state.pinned),
        ):
            docs = (
                await self.db[collection]
                .find({"_id": {"$in": keys}}, {"status_id": 1})
                .to_list(None)
            )
            bucket.update(doc["status_id"] for doc in docs)
        return state

    async def _page_pairs(
        self, collection: str, key_field: str, key: int, value_field: str, page: Page
    ) -> list[tuple[int, int]]:
        docs = (
            await self.db[collection]
            .find(
                {key_field: key, **page_filter(page, "id")},
                {"id": 1, value_field: 1},
                sort=page_sort(page, "id"),
                limit=page.limit,
            )
            .to_list(None)
        )
        return [(doc["id"], doc[value_field]) for doc in newest_first(page, docs)]

    async def list_favourited_by(self, status_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._page_pairs("favourites", "status_id", status_id, "account_id", page)

    async def list_reblogged_by(self, status_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._page_pairs("reblogs", "status_id", status_id, "account_id", page)

    async def list_favourites(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._page_pairs("favourites", "account_id", account_id, "status_id", page)

    async def list_bookmarks(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._page_pairs("bookmarks", "account_id", account_id, "status_id", page)

    async def recent_engagements(self, since_id: int, limit: int) -> list[tuple[int, str, int]]:
        rows: list[tuple[int, str, int]] = []
        likes = await self.db.favourites.find(
            {"id": {"$gt": since_id}, "public": True},
            {"id": 1, "status_id": 1},
            sort=[("id", -1)],
            limit=limit,
        ).to_list(None)
        rows += [(doc["status_id"], "favourite", doc["id"]) for doc in likes]
        for kind, field, visibilities in (
            ("reblog", "reblog_of_id", ["public"]),
            ("reply", "in_reply_to_id", ["public", "unlisted"]),
            ("quote", "quote_of_id", ["public", "unlisted"]),
        ):
            docs = await self.db.statuses.find(
                {
                    "_id": {"$gt": since_id},
                    field: {"$ne": None},
                    "visibility": {"$in": visibilities},
                },
                {field: 1},
                sort=[("_id", -1)],
                limit=limit,
            ).to_list(None)
            rows += [(doc[field], kind, doc["_id"]) for doc in docs]
        rows.sort(key=lambda row: row[2], reverse=True)
        return rows[:limit]
