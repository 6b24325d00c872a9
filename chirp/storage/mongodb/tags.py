"""Followed and featured hashtags in MongoDB (`tag_follows`, `featured_tags`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from chirp.core.ids import id_time
from chirp.core.models import Event, FeaturedTag, Page, Tag
from chirp.core.text import tag_key
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
)

_DISTRIBUTED = ["public", "unlisted"]  # what featured tags count


def _keys(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tag_key(name) for name in names))


def tag_follow_doc(follow_id: int, account_id: int, name_key: str, at: datetime) -> Doc:
    return {"_id": follow_id, "account_id": account_id, "name_key": name_key, "created_at": ts(at)}


def featured_doc(featured: FeaturedTag) -> Doc:
    return {
        "_id": featured.id,
        "account_id": featured.account_id,
        "name": featured.name,
        "name_key": tag_key(featured.name),
        "created_at": ts(featured.created_at),
    }


def _featured(doc: Doc) -> FeaturedTag:
    return FeaturedTag(doc["_id"], doc["account_id"], doc["name"], dt(doc["created_at"]))


class MongoTags(MongoBase):
    async def _tag_names(self, keys: Iterable[str]) -> dict[str, str]:
        """The name each used tag goes by (first spelling), by key."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        docs = await self.db.tags.find({"_id": {"$in": wanted}}, {"name": 1}).to_list(None)
        return {doc["_id"]: doc["name"] for doc in docs}

    async def follow_tag(self, follow_id: int, account_id: int, name: str, at: datetime) -> bool:
        try:
            await self.db.tag_follows.insert_one(
                tag_follow_doc(follow_id, account_id, tag_key(name), at)
            )
        except DuplicateKeyError:
            return False
        return True

    async def unfollow_tag(self, account_id: int, name: str, *, event: Event) -> bool:
        async def work(session: Session) -> bool:
            result = await self.db.tag_follows.delete_one(
                {"account_id": account_id, "name_key": tag_key(name)}, session=session
            )
            if result.deleted_count != 1:
                return False
            await record_event(self.db, session, event, id_time(event.id))
            return True

        return await self._transaction(work)

    async def remove_unfollowed_tag_from_feed(self, owner_id: int, name: str) -> int:
        # Walks the owner's feed (capped), not the tag's tweets (unbounded).
        entries = await self.db.home_feed.find(
            {"owner_id": owner_id, "reblog_of_id": None, "author_id": {"$ne": owner_id}},
            {"status_id": 1},
        ).to_list(None)
        tagged = await self.db.statuses.find(
            {"_id": {"$in": [e["status_id"] for e in entries]}, "tag_keys": tag_key(name)},
            {"account_id": 1, "tag_keys": 1},
        ).to_list(None)
        if not tagged:
            return 0
        followed_tags = await self._keys_of(
            "tag_follows", owner_id, {k for doc in tagged for k in doc["tag_keys"]}
        )
        authors = {doc["account_id"] for doc in tagged}
        followees = {
            doc["target_account_id"]
            for doc in await self.db.follows.find(
                {"_id": {"$in": [edge(owner_id, author) for author in authors]}},
                {"target_account_id": 1},
            ).to_list(None)
        }
        gone = [
            edge(owner_id, doc["_id"])
            for doc in tagged
            if doc["account_id"] not in followees and not followed_tags & set(doc["tag_keys"])
        ]
        if not gone:
            return 0
        result = await self.db.home_feed.delete_many({"_id": {"$in": gone}})
        return result.deleted_count

    async def _keys_of(self, collection: str, account_id: int, names: Iterable[str]) -> set[str]:
        keys = _keys(names)
        if not keys:
            return set()
        docs = (
            await self.db[collection]
            .find({"account_id": account_id, "name_key": {"$in": keys}}, {"name_key": 1})
            .to_list(None)
        )
        return {doc["name_key"] for doc in docs}

    async def followed_tag_keys(self, account_id: int, names: Iterable[str]) -> set[str]:
        return await self._keys_of("tag_follows", account_id, names)

    async def list_followed_tags(self, account_id: int, page: Page) -> list[tuple[int, Tag]]:
        docs = await self.db.tag_follows.find(
            {"account_id": account_id, **page_filter(page)},
            {"name_key": 1},
            sort=page_sort(page),
            limit=page.limit,
        ).to_list(None)
        names = await self._tag_names(doc["name_key"] for doc in docs)
        return [
            (doc["_id"], Tag(name=names.get(doc["name_key"]) or doc["name_key"]))
            for doc in newest_first(page, docs)
        ]

    async def tag_followers(self, names: Iterable[str]) -> dict[str, list[int]]:
        keys = _keys(names)
        found: dict[str, list[int]] = {key: [] for key in keys}
        if keys:
            docs = await self.db.tag_follows.find(
                {"name_key": {"$in": keys}}, {"name_key": 1, "account_id": 1}
            ).to_list(None)
            for doc in docs:
                found[doc["name_key"]].append(doc["account_id"])
        return found

    async def feature_tag(self, featured: FeaturedTag, *, limit: int) -> FeaturedTag | None:
        key = tag_key(featured.name)

        async def work(session: Session) -> FeaturedTag | None:
            query = {"account_id": featured.account_id, "name_key": key}
            existing = await self.db.featured_tags.find_one(query, session=session)
            if existing is not None:
                return _featured(existing)
            count = await self.db.featured_tags.count_documents(
                {"account_id": featured.account_id}, session=session
            )
            if count >= limit:
                return None
            await self.db.featured_tags.insert_one(featured_doc(featured), session=session)
            return featured

        try:
            return await self._transaction(work)
        except DuplicateKeyError:  # featured by a concurrent request: that one stands
            doc = await self.db.featured_tags.find_one(
                {"account_id": featured.account_id, "name_key": key}
            )
            return None if doc is None else _featured(doc)

    async def unfeature_tag(
        self, account_id: int, *, featured_id: int | None = None, name: str | None = None
    ) -> bool:
        if (featured_id is None) == (name is None):
            raise ValueError("unfeature_tag takes a featured tag's id or its name")
        query: Doc = {"account_id": account_id}
        if featured_id is not None:
            query["_id"] = featured_id
        if name is not None:
            query["name_key"] = tag_key(name)
        result = await self.db.featured_tags.delete_one(query)
        return result.deleted_count == 1

    async def list_featured_tags(self, account_id: int) -> list[FeaturedTag]:
        docs = await self.db.featured_tags.find({"account_id": account_id}).to_list(None)
        names = await self._tag_names(doc["name_key"] for doc in docs)
        featured = []
        for doc in docs:
            used = {"account_id": account_id, "tag_keys": doc["name_key"]}
            used["visibility"] = {"$in": _DISTRIBUTED}
            count = await self.db.statuses.count_documents(used)
            latest = await self.db.statuses.find_one(used, {"created_at": 1}, sort=[("_id", -1)])
            featured.append(
                FeaturedTag(
                    doc["_id"],
                    account_id,
                    names.get(doc["name_key"]) or doc["name"],
                    dt(doc["created_at"]),
                    count,
                    dt(latest["created_at"]) if latest else None,
                )
            )
        featured.sort(key=lambda f: (-f.statuses_count, f.id))
        return featured

    async def featured_tag_keys(self, account_id: int, names: Iterable[str]) -> set[str]:
        return await self._keys_of("featured_tags", account_id, names)

    async def most_used_tags(self, account_id: int, *, recent: int, limit: int) -> list[Tag]:
        docs = await self.db.statuses.find(
            {"account_id": account_id, "tag_keys": {"$ne": []}},
            {"tag_keys": 1},
            sort=[("_id", -1)],
            limit=recent,
        ).to_list(None)
        counts: Counter[str] = Counter()
        latest: dict[str, int] = {}
        for doc in docs:
            for key in doc["tag_keys"]:
                counts[key] += 1
                latest.setdefault(key, doc["_id"])  # newest first: the first is the latest
        ranked = sorted(counts, key=lambda k: (-counts[k], -latest[k]))[:limit]
        names = await self._tag_names(ranked)
        return [Tag(name=names.get(key) or key) for key in ranked]
