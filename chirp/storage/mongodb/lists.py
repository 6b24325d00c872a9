"""Lists in MongoDB: `lists` (`_id`: the list id), their members (`list_accounts`, `_id`
"<list>:<account>", with the list's owner beside them) and timelines (`list_feed`, `_id`
"<list>:<status>", with the list's owner beside them)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from chirp.core.models import Page, UserList
from chirp.core.ports.timelines import FanOut
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    edge,
    newest_first,
    page_filter,
    page_sort,
    ts,
    unique_ids,
)
from chirp.storage.mongodb.schema import insert_new


def _list(doc: Doc) -> UserList:
    return UserList(
        id=doc["_id"],
        account_id=doc["account_id"],
        title=doc["title"],
        replies_policy=doc["replies_policy"],
        exclusive=doc["exclusive"],
    )


def _doc(user_list: UserList) -> Doc:
    return {
        "_id": user_list.id,
        "account_id": user_list.account_id,
        "title": user_list.title,
        "replies_policy": user_list.replies_policy,
        "exclusive": user_list.exclusive,
    }


async def remove_unfollowed_from_lists(
    db: AsyncDatabase[Doc], session: Session, owner_id: int, author_id: int
) -> None:
    """An unfollow takes the account out of the follower's lists, with its entries."""
    await db.list_feed.delete_many({"owner_id": owner_id, "author_id": author_id}, session=session)
    await db.list_accounts.delete_many(
        {"owner_id": owner_id, "account_id": author_id}, session=session
    )


async def write_list_entries(db: AsyncDatabase[Doc], request: FanOut) -> None:
    """A fan-out's list entries (the caller checked the tweet still exists): only into
    lists that still exist. Each entry is idempotent (its `_id`)."""
    if not request.list_ids:
        return
    lists = await db.lists.find(
        {"_id": {"$in": list(request.list_ids)}}, {"account_id": 1}
    ).to_list(None)
    status = request.status
    entries = [
        {
            "_id": edge(doc["_id"], status.id),
            "list_id": doc["_id"],
            "owner_id": doc["account_id"],
            "status_id": status.id,
            "author_id": status.account_id,
        }
        for doc in lists
    ]
    if entries:
        with contextlib.suppress(BulkWriteError):  # some there already: a retried fan-out
            await db.list_feed.insert_many(entries, ordered=False)


class MongoLists(MongoBase):
    async def create_list(self, user_list: UserList) -> None:
        await self.db.lists.insert_one(_doc(user_list))

    async def get_list(self, list_id: int) -> UserList | None:
        doc = await self.db.lists.find_one({"_id": list_id})
        return _list(doc) if doc else None

    async def get_lists(self, owner_id: int) -> list[UserList]:
        docs = await self.db.lists.find({"account_id": owner_id}, sort=[("_id", 1)]).to_list(None)
        return [_list(doc) for doc in docs]

    async def update_list(self, user_list: UserList) -> bool:
        changes = _doc(user_list)
        del changes["_id"], changes["account_id"]
        result = await self.db.lists.update_one({"_id": user_list.id}, {"$set": changes})
        return result.matched_count == 1

    async def delete_list(self, list_id: int) -> bool:
        db = self.db

        async def delete(session: Session) -> bool:
            result = await db.lists.delete_one({"_id": list_id}, session=session)
            await db.list_accounts.delete_many({"list_id": list_id}, session=session)
            await db.list_feed.delete_many({"list_id": list_id}, session=session)
            return result.deleted_count == 1

        return await self._transaction(delete)

    async def add_list_members(
        self, list_id: int, memberships: Sequence[tuple[int, int]], at: datetime
    ) -> int:
        db = self.db

        async def add(session: Session) -> int:
            found = await db.lists.find_one({"_id": list_id}, session=session)
            if found is None:
                return 0
            owner = found["account_id"]
            wanted = unique_ids(account for _, account in memberships)
            follows = await db.follows.find(
                {"_id": {"$in": [edge(owner, account) for account in wanted]}},
                {"target_account_id": 1},
                session=session,
            ).to_list(None)
            followed = {doc["target_account_id"] for doc in follows} | {owner}
            added = 0
            for membership_id, account in memberships:
                if account in followed and await insert_new(
                    db,
                    "list_accounts",
                    {
                        "_id": edge(list_id, account),
                        "id": membership_id,
                        "list_id": list_id,
                        "owner_id": owner,
                        "account_id": account,
                        "created_at": ts(at),
                    },
                    session,
                ):
                    added += 1
            return added

        return await self._transaction(add)

    async def remove_list_members(self, list_id: int, account_ids: Iterable[int]) -> int:
        wanted = unique_ids(account_ids)
        if not wanted:
            return 0
        db = self.db

        async def remove(session: Session) -> int:
            await db.list_feed.delete_many(
                {"list_id": list_id, "author_id": {"$in": wanted}}, session=session
            )
            result = await db.list_accounts.delete_many(
                {"_id": {"$in": [edge(list_id, account) for account in wanted]}}, session=session
            )
            return int(result.deleted_count)

        return await self._transaction(remove)

    async def list_members(self, list_id: int, page: Page) -> list[tuple[int, int]]:
        query: Doc = {"list_id": list_id, **page_filter(page, "account_id")}
        docs = await self.db.list_accounts.find(
            query, {"account_id": 1}, sort=page_sort(page, "account_id"), limit=max(page.limit, 0)
        ).to_list(None)
        return [(doc["account_id"], doc["account_id"]) for doc in newest_first(page, docs)]

    async def member_lists(self, account_ids: Iterable[int]) -> dict[int, list[UserList]]:
        wanted = unique_ids(account_ids)
        if not wanted:
            return {}
        members = await self.db.list_accounts.find(
            {"account_id": {"$in": wanted}}, {"list_id": 1, "account_id": 1}
        ).to_list(None)
        lists = await self.db.lists.find(
            {"_id": {"$in": unique_ids(doc["list_id"] for doc in members)}}, sort=[("_id", 1)]
        ).to_list(None)
        by_id = {doc["_id"]: _list(doc) for doc in lists}
        found: dict[int, list[UserList]] = {}
        for doc in sorted(members, key=lambda d: d["list_id"]):
            if doc["list_id"] in by_id:
                found.setdefault(doc["account_id"], []).append(by_id[doc["list_id"]])
        return found

    async def lists_with_members(
        self, owner_id: int, account_ids: Iterable[int]
    ) -> dict[int, list[UserList]]:
        wanted = unique_ids(account_ids)
        if not wanted:
            return {}
        members = await self.db.list_accounts.find(
            {"owner_id": owner_id, "account_id": {"$in": wanted}}, {"list_id": 1, "account_id": 1}
        ).to_list(None)
        docs = await self.db.lists.find(
            {"_id": {"$in": list({doc["list_id"] for doc in members})}}, sort=[("_id", 1)]
        ).to_list(None)
        lists = {doc["_id"]: _list(doc) for doc in docs}
        found: dict[int, list[UserList]] = {}
        for list_id, lst in lists.items():  # oldest list first, as the ids sort
            for doc in members:
                if doc["list_id"] == list_id:
                    found.setdefault(doc["account_id"], []).append(lst)
        return found

    async def list_timeline(self, list_id: int, page: Page) -> list[int]:
        docs = await self.db.list_feed.find(
            {"list_id": list_id, **page_filter(page, "status_id")},
            {"status_id": 1},
            sort=page_sort(page, "status_id"),
            limit=page.limit,
        ).to_list(None)
        return [doc["status_id"] for doc in newest_first(page, docs)]

    async def trim_list_feeds(self, list_ids: Iterable[int], cap: int) -> int:
        removed = 0
        for list_id in unique_ids(list_ids):
            kept = await self.db.list_feed.find(
                {"list_id": list_id}, {"status_id": 1}, sort=[("status_id", -1)], skip=cap - 1
            ).to_list(1)
            if kept:
                result = await self.db.list_feed.delete_many(
                    {"list_id": list_id, "status_id": {"$lt": kept[0]["status_id"]}}
                )
                removed += result.deleted_count
        return removed

    async def remove_from_list_feeds(self, status_ids: Iterable[int]) -> int:
        wanted = unique_ids(status_ids)
        if not wanted:
            return 0
        result = await self.db.list_feed.delete_many({"status_id": {"$in": wanted}})
        return int(result.deleted_count)
