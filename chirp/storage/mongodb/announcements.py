"""Announcements in MongoDB (`announcements`), their reactions (`announcement_reactions`,
`_id` "<announcement>:<account>:<emoji>") and dismissals (`announcement_dismissals`,
`_id` "<announcement>:<account>")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from chirp.core.models import Announcement, Event, ReactionCount
from chirp.core.ports.announcements import TooManyReactions
from chirp.core.ports.errors import MissingRecord
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    dt_or_none,
    edge,
    record_event,
    ts,
    ts_or_none,
    unique_ids,
)
from chirp.storage.mongodb.schema import insert_new
from chirp.storage.shared import chronological


def announcement_doc(a: Announcement) -> Doc:
    return {
        "_id": a.id,
        "text": a.text,
        "starts_at": ts_or_none(a.starts_at),
        "ends_at": ts_or_none(a.ends_at),
        "all_day": a.all_day,
        "published_at": ts(a.published_at),
        "updated_at": ts(a.updated_at),
    }


def reaction_doc(announcement_id: int, account_id: int, name: str, at: datetime) -> Doc:
    return {
        "_id": edge(announcement_id, account_id, name),
        "announcement_id": announcement_id,
        "account_id": account_id,
        "name": name,
        "created_at": ts(at),
    }


def dismissal_doc(announcement_id: int, account_id: int) -> Doc:
    return {
        "_id": edge(announcement_id, account_id),
        "announcement_id": announcement_id,
        "account_id": account_id,
    }


def announcement_from_doc(doc: Doc) -> Announcement:
    return Announcement(
        id=doc["_id"],
        text=doc["text"],
        published_at=dt(doc["published_at"]),
        updated_at=dt(doc["updated_at"]),
        starts_at=dt_or_none(doc["starts_at"]),
        ends_at=dt_or_none(doc["ends_at"]),
        all_day=doc["all_day"],
    )


class MongoAnnouncements(MongoBase):
    async def create_announcement(self, announcement: Announcement, *, event: Event) -> None:
        async def work(session: Session) -> None:
            await self.db.announcements.insert_one(announcement_doc(announcement), session=session)
            await record_event(self.db, session, event, announcement.published_at)

        await self._transaction(work)

    async def delete_announcement(self, announcement_id: int, *, event: Event) -> bool:
        async def work(session: Session) -> bool:
            result = await self.db.announcements.delete_one(
                {"_id": announcement_id}, session=session
            )
            if not result.deleted_count:
                return False
            for collection in ("announcement_reactions", "announcement_dismissals"):
                await self.db[collection].delete_many(
                    {"announcement_id": announcement_id}, session=session
                )
            await record_event(self.db, session, event, datetime.now(UTC))
            return True

        return await self._transaction(work)

    async def get_announcement(self, announcement_id: int) -> Announcement | None:
        doc = await self.db.announcements.find_one({"_id": announcement_id})
        return announcement_from_doc(doc) if doc else None

    async def list_announcements(self) -> list[Announcement]:
        docs = await self.db.announcements.find({}).to_list(None)
        return sorted(map(announcement_from_doc, docs), key=chronological)

    async def dismiss_announcement(self, announcement_id: int, account_id: int) -> bool:
        if await self.db.announcements.find_one({"_id": announcement_id}, {"_id": 1}) is None:
            return False
        return await insert_new(
            self.db,
            "announcement_dismissals",
            dismissal_doc(announcement_id, account_id),
        )

    async def dismissed_announcements(
        self, account_id: int, announcement_ids: Iterable[int]
    ) -> set[int]:
        keys = [edge(i, account_id) for i in unique_ids(announcement_ids)]
        if not keys:
            return set()
        docs = await self.db.announcement_dismissals.find(
            {"_id": {"$in": keys}}, {"announcement_id": 1}
        ).to_list(None)
        return {doc["announcement_id"] for doc in docs}

    async def add_announcement_reaction(
        self,
        announcement_id: int,
        account_id: int,
        name: str,
        at: datetime,
        *,
        max_names: int,
        event: Event,
    ) -> bool:
        async def work(session: Session) -> bool:
            found = await self.db.announcements.find_one(
                {"_id": announcement_id}, {"_id": 1}, session=session
            )
            if found is None:
                raise MissingRecord(f"announcement {announcement_id}")
            docs = await self.db.announcement_reactions.find(
                {"announcement_id": announcement_id}, {"name": 1}, session=session
            ).to_list(None)
            names = {doc["name"] for doc in docs}
            if name not in names and len(names) >= max_names:
                raise TooManyReactions(name)
            added = await insert_new(
                self.db,
                "announcement_reactions",
                reaction_doc(announcement_id, account_id, name, at),
                session,
            )
            if added:
                await record_event(self.db, session, event, at)
            return added

        return await self._transaction(work)

    async def remove_announcement_reaction(
        self, announcement_id: int, account_id: int, name: str, *, event: Event
    ) -> bool:
        async def work(session: Session) -> bool:
            result = await self.db.announcement_reactions.delete_one(
                {"_id": edge(announcement_id, account_id, name)}, session=session
            )
            if not result.deleted_count:
                return False
            await record_event(self.db, session, event, datetime.now(UTC))
            return True

        return await self._transaction(work)

    async def announcement_reactions(
        self, announcement_ids: Iterable[int], viewer_id: int | None
    ) -> dict[int, list[ReactionCount]]:
        wanted = unique_ids(announcement_ids)
        if not wanted:
            return {}
        docs = await self.db.announcement_reactions.find(
            {"announcement_id": {"$in": wanted}}
        ).to_list(None)
        counts: dict[tuple[int, str], int] = {}
        first: dict[tuple[int, str], str] = {}
        mine: set[tuple[int, str]] = set()
        for doc in docs:  # a few hundred rows at most
            key = (doc["announcement_id"], doc["name"])
            counts[key] = counts.get(key, 0) + 1
            if key not in first or doc["created_at"] < first[key]:
                first[key] = doc["created_at"]
            if doc["account_id"] == viewer_id:
                mine.add(key)
        found: dict[int, list[ReactionCount]] = {}
        for key in sorted(counts, key=lambda k: (k[0], first[k], k[1])):
            found.setdefault(key[0], []).append(ReactionCount(key[1], counts[key], key in mine))
        return found
