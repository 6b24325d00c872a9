"""Scheduled tweets in MongoDB: `scheduled_statuses`, and the media they hold
(`media.scheduled_status_id`)."""

from __future__ import annotations

from datetime import UTC, datetime

from chirp.core.models import Event, Page, ScheduledStatus
from chirp.core.ports.media import MediaNotAttachable
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    newest_first,
    page_filter,
    page_sort,
    record_event,
    ts,
)


def scheduled_doc(scheduled: ScheduledStatus) -> Doc:
    return {
        "_id": scheduled.id,
        "account_id": scheduled.account_id,
        "scheduled_at": ts(scheduled.scheduled_at),
        "params": scheduled.params,
        "media_ids": list(scheduled.media_ids),
    }


def _scheduled(doc: Doc) -> ScheduledStatus:
    return ScheduledStatus(
        id=doc["_id"],
        account_id=doc["account_id"],
        scheduled_at=dt(doc["scheduled_at"]),
        params=doc["params"],
        media_ids=tuple(doc["media_ids"]),
    )


class MongoScheduledStatuses(MongoBase):
    async def create_scheduled_status(self, scheduled: ScheduledStatus, *, event: Event) -> None:
        held = list(dict.fromkeys(scheduled.media_ids))
        at = ts(datetime.now(UTC))

        async def work(session: Session) -> None:
            await self.db.scheduled_statuses.insert_one(scheduled_doc(scheduled), session=session)
            if held:
                result = await self.db.media.update_many(
                    {
                        "_id": {"$in": held},
                        "account_id": scheduled.account_id,
                        "status_id": None,
                        "scheduled_status_id": None,
                        "state": "ready",
                    },
                    {"$set": {"scheduled_status_id": scheduled.id, "updated_at": at}},
                    session=session,
                )
                if result.modified_count != len(held):
                    raise MediaNotAttachable("media")
            await record_event(self.db, session, event, scheduled.scheduled_at)

        await self._transaction(work)

    async def get_scheduled_status(self, scheduled_id: int) -> ScheduledStatus | None:
        doc = await self.db.scheduled_statuses.find_one({"_id": scheduled_id})
        return _scheduled(doc) if doc is not None else None

    async def list_scheduled_statuses(self, account_id: int, page: Page) -> list[ScheduledStatus]:
        docs = await self.db.scheduled_statuses.find(
            {"account_id": account_id, **page_filter(page)},
            sort=page_sort(page),
            limit=page.limit,
        ).to_list(None)
        return newest_first(page, [_scheduled(doc) for doc in docs])

    async def reschedule_status(
        self, scheduled_id: int, scheduled_at: datetime, *, event: Event
    ) -> ScheduledStatus | None:
        async def work(session: Session) -> bool:
            result = await self.db.scheduled_statuses.update_one(
                {"_id": scheduled_id}, {"$set": {"scheduled_at": ts(scheduled_at)}}, session=session
            )
            if result.matched_count == 0:
                return False
            await record_event(self.db, session, event, scheduled_at)
            return True

        if not await self._transaction(work):
            return None
        return await self.get_scheduled_status(scheduled_id)

    async def count_scheduled_statuses(
        self, account_id: int, *, since: datetime, until: datetime
    ) -> tuple[int, int]:
        total = await self.db.scheduled_statuses.count_documents({"account_id": account_id})
        within = await self.db.scheduled_statuses.count_documents(
            {"account_id": account_id, "scheduled_at": {"$gte": ts(since), "$lt": ts(until)}}
        )
        return total, within

    async def _release(self, session: Session, scheduled_id: int, at: datetime) -> None:
        await self.db.media.update_many(
            {"scheduled_status_id": scheduled_id},
            {"$set": {"scheduled_status_id": None, "updated_at": ts(at)}},
            session=session,
        )

    async def release_scheduled_media(self, scheduled_id: int, at: datetime) -> None:
        async def work(session: Session) -> None:
            await self._release(session, scheduled_id, at)

        await self._transaction(work)

    async def remove_scheduled_status(self, scheduled_id: int, at: datetime) -> bool:
        async def work(session: Session) -> bool:
            await self._release(session, scheduled_id, at)
            result = await self.db.scheduled_statuses.delete_one(
                {"_id": scheduled_id}, session=session
            )
            return bool(result.deleted_count)

        return await self._transaction(work)
