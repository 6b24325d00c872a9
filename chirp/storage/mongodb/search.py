"""Search in MongoDB: a text index over tweet text (`$text`, best match first); prefix ranges
over handles, display names and tags. See docs/mongodb.md for swapping in Atlas Search."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from chirp.core.models import Account, Tag
from chirp.core.text import tag_key
from chirp.core.visibility import findable
from chirp.storage.mongodb.accounts import account_from_doc
from chirp.storage.mongodb.base import Doc, MongoBase

_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_TERMS = 16


def text_query(text: str) -> str | None:
    """User text -> a safe `$text` search: every word a quoted phrase (no negation or other
    operators), so every word is required, as in the SQLite store's FTS query."""
    words = _WORD.findall(text)[:_MAX_TERMS]
    return " ".join(f'"{w}"' for w in words) or None


def _prefix(field: str, prefix: str) -> Doc:
    return {field: {"$gte": prefix, "$lt": prefix + "\U0010ffff"}}


class MongoSearch(MongoBase):
    async def _visible_to(self, viewer_id: int | None) -> Doc:
        """What the viewer may find (`visibility.findable`, the rule; this only writes it as a
        query)."""
        scope = findable(viewer_id)
        terms: list[Doc] = [{"visibility": {"$in": list(scope.to_everyone)}}]
        if scope.viewer_id is not None:
            terms.append({"account_id": scope.viewer_id})
            if scope.to_followers:
                followees = await self.db.follows.find(
                    {"account_id": scope.viewer_id}, {"target_account_id": 1}
                ).to_list(None)
                terms.append(
                    {
                        "visibility": {"$in": list(scope.to_followers)},
                        "account_id": {"$in": [doc["target_account_id"] for doc in followees]},
                    }
                )
            if scope.to_mentioned:
                terms.append(
                    {
                        "visibility": {"$in": list(scope.to_mentioned)},
                        "mention_ids": scope.viewer_id,
                    }
                )
        return {"$or": terms}

    async def search_statuses(
        self, query: str, *, viewer_id: int | None, limit: int, offset: int
    ) -> list[int]:
        search = text_query(query)
        if search is None:
            return []
        score = {"$meta": "textScore"}
        docs = await self.db.statuses.find(
            {"$text": {"$search": search}, **await self._visible_to(viewer_id)},
            {"_id": 1, "score": score},
            sort=[("score", score), ("_id", -1)],
            skip=offset,
            limit=limit,
        ).to_list(None)
        return [doc["_id"] for doc in docs]

    async def _exact_then_rest(
        self,
        collection: str,
        exact: Doc,
        rest: Doc,
        order: list[tuple[str, int]],
        limit: int,
        offset: int,
    ) -> list[Doc]:
        """An exact match first, then the others in `order`; `offset`/`limit` over both."""
        first = await self.db[collection].find_one(exact)
        head = [first] if first else []
        if offset < len(head):
            head, skip, limit = head[offset:], 0, limit - len(head[offset:])
        else:
            head, skip = [], offset - len(head)
        if limit <= 0:
            return head
        query: dict[str, Any] = {"$and": [rest, {"_id": {"$ne": first["_id"]}}]} if first else rest
        docs = (
            await self.db[collection].find(query, sort=order, skip=skip, limit=limit).to_list(None)
        )
        return head + docs

    async def search_accounts(self, query: str, *, limit: int, offset: int) -> list[Account]:
        key = query.strip().lstrip("@").split("@", 1)[0].casefold()
        if not key:
            return []
        docs = await self._exact_then_rest(
            "accounts",
            {"username_key": key},
            {"$or": [_prefix("username_key", key), _prefix("display_name_key", key)]},
            [("followers_count", -1), ("_id", 1)],
            limit,
            offset,
        )
        return [account_from_doc(doc) for doc in docs]

    async def search_tags(self, prefix: str, *, limit: int, offset: int) -> list[Tag]:
        key = tag_key(prefix.strip().lstrip("#"))
        if not key:
            return []
        docs = await self._exact_then_rest(
            "tags", {"_id": key}, _prefix("_id", key), [("uses", -1), ("_id", 1)], limit, offset
        )
        return [Tag(name=doc["name"]) for doc in docs]

    async def get_tag(self, name: str) -> Tag | None:
        doc = await self.db.tags.find_one({"_id": tag_key(name)})
        return Tag(name=doc["name"]) if doc else None

    async def tag_uses(
        self, tag_names: Iterable[str] | None, since_id: int, limit: int
    ) -> list[tuple[str, int, int]]:
        query: Doc = {"visibility": "public", "_id": {"$gt": since_id}}
        keys: list[str] | None = None
        if tag_names is not None:
            keys = list(dict.fromkeys(tag_key(n) for n in tag_names))
            if not keys:
                return []
            query["tag_keys"] = {"$in": keys}
        else:
            query["tag_keys"] = {"$ne": []}
        # Each status is at least one use: `limit` statuses hold at least `limit` uses.
        docs = await self.db.statuses.find(
            query, {"account_id": 1, "tag_keys": 1}, sort=[("_id", -1)], limit=limit
        ).to_list(None)
        wanted = set(keys) if keys is not None else None
        uses = [
            (key, doc["_id"], doc["account_id"])
            for doc in docs
            for key in doc["tag_keys"]
            if wanted is None or key in wanted
        ][:limit]
        names = {
            doc["_id"]: doc["name"]
            for doc in await self.db.tags.find(
                {"_id": {"$in": list({key for key, _, _ in uses})}}
            ).to_list(None)
        }
        return [(names.get(key, key), status_id, account_id) for key, status_id, account_id in uses]
