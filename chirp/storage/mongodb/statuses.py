"""Tweets in MongoDB (`statuses`, with their entities inline; `tags`, `reblogs`,
`status_edits`, `idempotency_keys`), threads and deletion with every counter fixed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from chirp.core.models import Event, Status, StatusEdit
from chirp.core.ports.errors import MissingRecord, UniqueViolation
from chirp.core.text import status_link_keys, tag_key
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    dt_or_none,
    edge,
    find_by_ids,
    record_event,
    ts,
    ts_or_none,
    unique_ids,
)
from chirp.storage.mongodb.media import attach_media, detach_media


def tag_keys(tags: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tag_key(name) for name in tags))


def status_doc(status: Status) -> Doc:
    """The stored tweet: the model's fields plus what queries filter on, computed once here
    (visibility never changes after posting; edits recompute the entity fields)."""
    self_thread = status.in_reply_to_id is None or (
        status.in_reply_to_account_id == status.account_id
    )
    return {
        "_id": status.id,
        "account_id": status.account_id,
        "visibility": status.visibility,
        "text": status.text,
        "content": status.content,
        "spoiler_text": status.spoiler_text,
        "sensitive": status.sensitive,
        "language": status.language,
        "in_reply_to_id": status.in_reply_to_id,
        "in_reply_to_account_id": status.in_reply_to_account_id,
        "reblog_of_id": status.reblog_of_id,
        "quote_of_id": status.quote_of_id,
        "conversation_id": status.conversation_id,
        "mention_ids": list(status.mention_ids),
        "tags": list(status.tags),
        "application_id": status.application_id,
        "replies_count": status.replies_count,
        "reblogs_count": status.reblogs_count,
        "favourites_count": status.favourites_count,
        "quotes_count": status.quotes_count,
        "created_at": ts(status.created_at),
        "edited_at": ts_or_none(status.edited_at),
        "media_ids": list(status.media_ids),
        # Derived, for indexes and filters:
        "tag_keys": tag_keys(status.tags),
        "link_keys": status_link_keys(status.text),  # the link timeline
        "has_media": bool(status.media_ids),
        "self_thread": self_thread,  # not a reply to someone else
        "public_feed": status.visibility == "public"
        and status.reblog_of_id is None
        and self_thread,
    }


def status_from_doc(doc: Doc) -> Status:
    return Status(
        id=doc["_id"],
        account_id=doc["account_id"],
        visibility=doc["visibility"],
        created_at=dt(doc["created_at"]),
        text=doc["text"],
        content=doc["content"],
        spoiler_text=doc["spoiler_text"],
        sensitive=doc["sensitive"],
        language=doc["language"],
        in_reply_to_id=doc["in_reply_to_id"],
        in_reply_to_account_id=doc["in_reply_to_account_id"],
        reblog_of_id=doc["reblog_of_id"],
        quote_of_id=doc["quote_of_id"],
        conversation_id=doc["conversation_id"],
        mention_ids=tuple(doc["mention_ids"]),
        tags=tuple(doc["tags"]),
        application_id=doc["application_id"],
        replies_count=doc["replies_count"],
        reblogs_count=doc["reblogs_count"],
        favourites_count=doc["favourites_count"],
        quotes_count=doc["quotes_count"],
        edited_at=dt_or_none(doc["edited_at"]),
        media_ids=tuple(doc["media_ids"]),
    )


def edit_doc(edit: StatusEdit) -> Doc:
    return {
        "_id": edit.id,
        "status_id": edit.status_id,
        "account_id": edit.account_id,
        "text": edit.text,
        "content": edit.content,
        "spoiler_text": edit.spoiler_text,
        "sensitive": edit.sensitive,
        "created_at": ts(edit.created_at),
    }


def _edit_from_doc(doc: Doc) -> StatusEdit:
    return StatusEdit(
        id=doc["_id"],
        status_id=doc["status_id"],
        account_id=doc["account_id"],
        text=doc["text"],
        content=doc["content"],
        spoiler_text=doc["spoiler_text"],
        sensitive=doc["sensitive"],
        created_at=dt(doc["created_at"]),
    )


def reblog_edge_doc(status: Status, public: bool) -> Doc:
    """One retweet per (account, original): the `_id` makes a second one collide."""
    assert status.reblog_of_id is not None
    return {
        "_id": edge(status.account_id, status.reblog_of_id),
        "id": status.id,
        "account_id": status.account_id,
        "status_id": status.reblog_of_id,
        "public": public,
    }


async def count_tags(db: AsyncDatabase[Doc], session: Session, status: Status, delta: int) -> None:
    """Create the status's tags on first use (first spelling wins) and move their use counts."""
    names: dict[str, str] = {}
    for name in status.tags:
        names.setdefault(tag_key(name), name)
    for key, name in names.items():
        await db.tags.update_one(
            {"_id": key},
            {
                "$setOnInsert": {"name": name, "created_at": ts(status.created_at)},
                "$inc": {"uses": delta},
            },
            upsert=True,
            session=session,
        )


async def _bump(db: AsyncDatabase[Doc], session: Session, status: Status, delta: int) -> None:
    """Counters a status contributes to: its author's, its parent's, its quoted/original's.
    Decrements never go below zero (the filter skips a counter already at zero)."""
    await inc_counter(db, session, "accounts", status.account_id, "statuses_count", delta)
    for field, target in (
        ("replies_count", status.in_reply_to_id),
        ("quotes_count", status.quote_of_id),
        ("reblogs_count", status.reblog_of_id),
    ):
        if target is not None:
            await inc_counter(db, session, "statuses", target, field, delta)


async def inc_counter(
    db: AsyncDatabase[Doc], session: Session, collection: str, doc_id: int, field: str, delta: int
) -> None:
    query: Doc = {"_id": doc_id}
    if delta < 0:
        query[field] = {"$gte": -delta}
    await db[collection].update_one(query, {"$inc": {field: delta}}, session=session)


class MongoStatuses(MongoBase):
    async def create_status(
        self,
        status: Status,
        *,
        event: Event,
        idempotency_key: str | None = None,
        idempotency_since: datetime | None = None,
    ) -> Status:
        db = self.db

        async def insert(session: Session) -> None:
            if idempotency_key is not None:
                key_id = edge(status.account_id, idempotency_key)
                if idempotency_since is not None:
                    await db.idempotency_keys.delete_one(
                        {"_id": key_id, "created_at": {"$lt": ts(idempotency_since)}},
                        session=session,
                    )
                if await db.idempotency_keys.find_one({"_id": key_id}, session=session):
                    raise UniqueViolation("idempotency_key")
                await db.idempotency_keys.insert_one(
                    {
                        "_id": key_id,
                        "account_id": status.account_id,
                        "status_id": status.id,
                        "created_at": ts(status.created_at),
                    },
                    session=session,
                )
            parents = unique_ids(
                p for p in (status.in_reply_to_id, status.quote_of_id, status.reblog_of_id) if p
            )
            found = {
                doc["_id"]: doc
                for doc in await db.statuses.find(
                    {"_id": {"$in": parents}}, {"visibility": 1}, session=session
                ).to_list(None)
            }
            for parent in parents:
                if parent not in found:
                    raise MissingRecord(f"status {parent}")
            if status.reblog_of_id is not None:
                reblog = reblog_edge_doc(status, status.visibility == "public")
                if await db.reblogs.find_one({"_id": reblog["_id"]}, session=session):
                    raise UniqueViolation("reblog")
                await db.reblogs.insert_one(reblog, session=session)
            await db.statuses.insert_one(status_doc(status), session=session)
            await attach_media(
                db, session, status.id, status.account_id, status.media_ids, status.created_at
            )
            await count_tags(db, session, status, +1)
            await _bump(db, session, status, +1)
            await db.accounts.update_one(
                {"_id": status.account_id},
                {"$set": {"last_status_at": ts(status.created_at)}},
                session=session,
            )
            await record_event(db, session, event, status.created_at)

        try:
            await self._transaction(insert)
        except DuplicateKeyError as error:  # a race the checks above could not see
            if "reblogs" in str(error):
                raise UniqueViolation("reblog") from error
            if "idempotency_keys" in str(error):
                raise UniqueViolation("idempotency_key") from error
            raise
        return status

    async def find_idempotent_status(
        self, account_id: int, key: str, since: datetime
    ) -> Status | None:
        found = await self.db.idempotency_keys.find_one(
            {"_id": edge(account_id, key), "created_at": {"$gte": ts(since)}}
        )
        return await self.get_status(found["status_id"]) if found else None

    async def get_status(self, status_id: int) -> Status | None:
        doc = await self.db.statuses.find_one({"_id": status_id})
        return status_from_doc(doc) if doc else None

    async def get_statuses(self, status_ids: Iterable[int]) -> dict[int, Status]:
        return await find_by_ids(self.db.statuses, status_ids, status_from_doc)

    async def update_status(
        self, status: Status, *, history: list[StatusEdit], event: Event
    ) -> Status | None:
        db = self.db

        async def update(session: Session) -> Status | None:
            doc = await db.statuses.find_one({"_id": status.id}, session=session)
            if doc is None:
                return None
            previous = status_from_doc(doc)
            changed_at = status.edited_at or previous.created_at
            await detach_media(
                db,
                session,
                status.id,
                [m for m in previous.media_ids if m not in status.media_ids],
                changed_at,
            )
            await attach_media(
                db,
                session,
                status.id,
                status.account_id,
                [m for m in status.media_ids if m not in previous.media_ids],
                changed_at,
            )
            await count_tags(db, session, previous, -1)
            await count_tags(db, session, status, +1)
            fresh = status_doc(status)
            changes = {
                field: fresh[field]
                for field in (
                    "text",
                    "content",
                    "spoiler_text",
                    "sensitive",
                    "language",
                    "mention_ids",
                    "tags",
                    "tag_keys",
                    "link_keys",
                    "edited_at",
                    "media_ids",
                    "has_media",
                )
            }
            await db.statuses.update_one({"_id": status.id}, {"$set": changes}, session=session)
            if history:
                await db.status_edits.insert_many([edit_doc(e) for e in history], session=session)
            await record_event(db, session, event, status.edited_at or previous.created_at)
            updated = await db.statuses.find_one({"_id": status.id}, session=session)
            return status_from_doc(updated) if updated else None

        return await self._transaction(update)

    async def delete_status(
        self, status_id: int, *, event: Callable[[Sequence[Status]], Event]
    ) -> list[Status]:
        db = self.db

        async def delete(session: Session) -> list[Status]:
            docs = await db.statuses.find(
                {"$or": [{"_id": status_id}, {"reblog_of_id": status_id}]},
                session=session,
                sort=[("_id", 1)],
            ).to_list(None)
            removed = [status_from_doc(doc) for doc in docs]
            if not removed:
                return []
            for status in removed:
                await count_tags(db, session, status, -1)
                if status.id == status_id or status.reblog_of_id != status_id:
                    await _bump(db, session, status, -1)
                else:  # a retweet of the deleted tweet: only its author's count changes
                    await inc_counter(
                        db, session, "accounts", status.account_id, "statuses_count", -1
                    )
            gone = [s.id for s in removed]
            # Detached, not deleted: the client may redraft with them; the collector takes
            # them if it does not.
            await detach_media(db, session, status_id, None, datetime.now(UTC))
            await db.statuses.delete_many({"_id": {"$in": gone}}, session=session)
            # What SQLite's foreign keys cascade: every row that points at a removed status.
            for collection in ("favourites", "bookmarks", "pins", "home_feed", "status_edits"):
                await db[collection].delete_many({"status_id": {"$in": gone}}, session=session)
            await db.notifications.delete_many({"status_id": {"$in": gone}}, session=session)
            await db.reblogs.delete_many(
                {"$or": [{"status_id": {"$in": gone}}, {"id": {"$in": gone}}]}, session=session
            )
            await record_event(db, session, event(removed), removed[0].created_at)
            return removed

        return await self._transaction(delete)

    async def get_status_edits(self, status_id: int) -> list[StatusEdit]:
        docs = await self.db.status_edits.find({"status_id": status_id}, sort=[("_id", 1)]).to_list(
            None
        )
        return [_edit_from_doc(doc) for doc in docs]

    async def get_thread(
        self, status: Status, *, max_ancestors: int, max_descendants: int
    ) -> tuple[list[Status], list[Status]]:
        ancestors: list[Status] = []
        parent_id = status.in_reply_to_id
        while parent_id is not None and len(ancestors) < max_ancestors:
            parent = await self.get_status(parent_id)
            if parent is None:
                break
            ancestors.append(parent)
            parent_id = parent.in_reply_to_id
        ancestors.reverse()
        # Breadth first, children of each in reply order, until the limit (which replies make
        # the cut); then depth first by their path from the root (the order clients show).
        paths: dict[int, tuple[int, ...]] = {status.id: ()}
        found: list[Status] = []
        frontier = [status.id]
        while frontier and len(found) < max_descendants:
            docs = await self.db.statuses.find(
                {"in_reply_to_id": {"$in": frontier}}, sort=[("_id", 1)]
            ).to_list(None)
            children: dict[int, list[Status]] = {}
            for doc in docs:
                children.setdefault(doc["in_reply_to_id"], []).append(status_from_doc(doc))
            level = [child for parent in frontier for child in children.get(parent, [])]
            level = level[: max_descendants - len(found)]
            for child in level:
                assert child.in_reply_to_id is not None
                paths[child.id] = (*paths[child.in_reply_to_id], child.id)
            found += level
            frontier = [child.id for child in level]
        found.sort(key=lambda s: paths[s.id])
        return ancestors, found

    async def find_reblog(self, account_id: int, status_id: int) -> Status | None:
        marker = await self.db.reblogs.find_one({"_id": edge(account_id, status_id)})
        return await self.get_status(marker["id"]) if marker else None

    async def get_mentioned_status_ids(
        self, account_id: int, status_ids: Iterable[int]
    ) -> set[int]:
        ids = unique_ids(status_ids)
        if not ids:
            return set()
        docs = await self.db.statuses.find(
            {"_id": {"$in": ids}, "mention_ids": account_id}, {"_id": 1}
        ).to_list(None)
        return {doc["_id"] for doc in docs}
