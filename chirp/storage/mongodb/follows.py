"""The follow graph in MongoDB (`follows`, `_id` = "<follower>:<followed>"); both accounts'
counters move in the same transaction as the edge."""

from __future__ import annotations

from collections.abc import Iterable

from pymongo.asynchronous.database import AsyncDatabase

from chirp.core.ids import id_time
from chirp.core.models import Event, Follow, FollowRequest, Page
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.follows import Relationship
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    edge,
    newest_first,
    page_filter,
    page_sort,
    record_event,
    ts,
    unique_ids,
)
from chirp.storage.mongodb.lists import remove_unfollowed_from_lists
from chirp.storage.mongodb.schema import insert_new
from chirp.storage.mongodb.statuses import inc_counter


def options_doc(follow: Follow | FollowRequest) -> Doc:
    """A follow's (or request's) options as stored; `has_options` marks those not the defaults
    (the partial index `followers_with_options` reads)."""
    return {
        "show_reblogs": follow.show_reblogs,
        "notify": follow.notify,
        "languages": list(follow.languages) if follow.languages else None,
        "has_options": not follow.show_reblogs or follow.notify or bool(follow.languages),
    }


def options_of(doc: Doc) -> tuple[bool, bool, tuple[str, ...] | None]:
    languages = doc.get("languages")
    return (
        doc.get("show_reblogs", True),
        doc.get("notify", False),
        tuple(languages) if languages else None,
    )


def follow_doc(follow: Follow) -> Doc:
    return {
        "_id": edge(follow.account_id, follow.target_account_id),
        "id": follow.id,
        "account_id": follow.account_id,
        "target_account_id": follow.target_account_id,
        **options_doc(follow),
        "created_at": ts(follow.created_at),
    }


def _follow(doc: Doc) -> Follow:
    show_reblogs, notify, languages = options_of(doc)
    return Follow(
        id=doc["id"],
        account_id=doc["account_id"],
        target_account_id=doc["target_account_id"],
        created_at=dt(doc["created_at"]),
        show_reblogs=show_reblogs,
        notify=notify,
        languages=languages,
    )


async def require_pair(
    db: AsyncDatabase[Doc], session: Session, account_id: int, target_account_id: int
) -> None:
    """`MissingRecord` unless both accounts of an edge exist (in the caller's transaction)."""
    found = await db.accounts.count_documents(
        {"_id": {"$in": [account_id, target_account_id]}}, session=session
    )
    if found != 2:
        raise MissingRecord("account")


async def insert_follow(db: AsyncDatabase[Doc], session: Session, follow: Follow) -> bool:
    """The edge and both accounts' counters, in the caller's transaction; False if it exists."""
    if not await insert_new(db, "follows", follow_doc(follow), session):
        return False
    await inc_counter(db, session, "accounts", follow.account_id, "following_count", 1)
    await inc_counter(db, session, "accounts", follow.target_account_id, "followers_count", 1)
    return True


class MongoFollows(MongoBase):
    async def add_follow(self, follow: Follow, *, event: Event) -> bool:
        db = self.db

        async def add(session: Session) -> bool:
            await require_pair(db, session, follow.account_id, follow.target_account_id)
            if not await insert_follow(db, session, follow):
                return False
            await record_event(db, session, event, follow.created_at)
            return True

        return await self._transaction(add)

    async def set_follow_options(self, follow: Follow) -> bool:
        result = await self.db.follows.update_one(
            {"_id": edge(follow.account_id, follow.target_account_id)},
            {"$set": options_doc(follow)},
        )
        return bool(result.matched_count == 1)

    async def remove_follow(self, account_id: int, target_account_id: int, *, event: Event) -> bool:
        db = self.db

        async def remove(session: Session) -> bool:
            result = await db.follows.delete_one(
                {"_id": edge(account_id, target_account_id)}, session=session
            )
            if result.deleted_count != 1:
                return False
            await inc_counter(db, session, "accounts", account_id, "following_count", -1)
            await inc_counter(db, session, "accounts", target_account_id, "followers_count", -1)
            await db.home_feed.delete_many(
                {"owner_id": account_id, "author_id": target_account_id}, session=session
            )
            await remove_unfollowed_from_lists(db, session, account_id, target_account_id)
            await record_event(db, session, event, id_time(event.id))
            return True

        return await self._transaction(remove)

    async def get_relationships(
        self, account_id: int, target_ids: Iterable[int]
    ) -> dict[int, Relationship]:
        ids = unique_ids(target_ids)
        result = {target: Relationship() for target in ids}
        if not ids:
            return result
        outgoing = [edge(account_id, target) for target in ids]
        incoming = [edge(target, account_id) for target in ids]
        docs = await self.db.follows.find({"_id": {"$in": outgoing + incoming}}).to_list(None)
        for doc in docs:
            if doc["account_id"] == account_id:
                result[doc["target_account_id"]].following = _follow(doc)
            if doc["target_account_id"] == account_id:
                result[doc["account_id"]].followed_by = True
        return result

    async def _follow_pairs(
        self, key_field: str, key: int, value_field: str, page: Page
    ) -> list[tuple[int, int]]:
        docs = await self.db.follows.find(
            {key_field: key, **page_filter(page, "id")},
            {"id": 1, value_field: 1},
            sort=page_sort(page, "id"),
            limit=page.limit,
        ).to_list(None)
        return [(doc["id"], doc[value_field]) for doc in newest_first(page, docs)]

    async def list_followers(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._follow_pairs("target_account_id", account_id, "account_id", page)

    async def list_following(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._follow_pairs("account_id", account_id, "target_account_id", page)

    async def follower_ids(self, account_id: int) -> list[int]:
        docs = await self.db.follows.find(
            {"target_account_id": account_id}, {"account_id": 1}
        ).to_list(None)
        return [doc["account_id"] for doc in docs]

    async def following_among(self, target_account_id: int, account_ids: Iterable[int]) -> set[int]:
        edges = [edge(a, target_account_id) for a in dict.fromkeys(account_ids)]
        found: set[int] = set()
        for start in range(0, len(edges), 5_000):
            docs = await self.db.follows.find(
                {"_id": {"$in": edges[start : start + 5_000]}}, {"account_id": 1}
            ).to_list(None)
            found.update(doc["account_id"] for doc in docs)
        return found

    async def followers_with_options(self, account_id: int) -> list[Follow]:
        docs = await self.db.follows.find(
            {"target_account_id": account_id, "has_options": True}
        ).to_list(None)
        return [_follow(doc) for doc in docs]

    async def followee_ids(self, account_id: int, session: Session | None = None) -> list[int]:
        docs = await self.db.follows.find(
            {"account_id": account_id}, {"target_account_id": 1}, session=session
        ).to_list(None)
        return [doc["target_account_id"] for doc in docs]

    async def list_popular_followees(self, account_id: int, min_followers: int) -> list[int]:
        followees = await self.followee_ids(account_id)
        if not followees:
            return []
        docs = await self.db.accounts.find(
            {"_id": {"$in": followees}, "followers_count": {"$gte": min_followers}}, {"_id": 1}
        ).to_list(None)
        return [doc["_id"] for doc in docs]
