"""Live streams in MongoDB (`live_streams`): their lifecycle and the relay's lease."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo import ReturnDocument

from chirp.core.models import Event, LiveStream, Page
from chirp.core.ports.errors import MissingRecord
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    dt_or_none,
    find_by_ids,
    newest_first,
    page_filter,
    page_sort,
    record_event,
    ts,
    ts_or_none,
    unique_ids,
    unix_ms,
)


def stream_doc(stream: LiveStream) -> Doc:
    return {
        "_id": stream.id,
        "account_id": stream.account_id,
        "title": stream.title,
        "visibility": stream.visibility,
        "state": stream.state,
        "created_at": ts(stream.created_at),
        "started_at": ts_or_none(stream.started_at),
        "ended_at": ts_or_none(stream.ended_at),
        "viewers_count": stream.viewers_count,
        "relay_seen_ms": None,  # Unix ms of the relay node's last lease renewal, while live
    }


def _stream(doc: Doc) -> LiveStream:
    return LiveStream(
        id=doc["_id"],
        account_id=doc["account_id"],
        title=doc["title"],
        visibility=doc["visibility"],
        state=doc["state"],
        created_at=dt(doc["created_at"]),
        started_at=dt_or_none(doc["started_at"]),
        ended_at=dt_or_none(doc["ended_at"]),
        viewers_count=doc["viewers_count"],
    )


class MongoLiveStreams(MongoBase):
    async def create_live_stream(self, stream: LiveStream) -> None:
        if not await self._account_exists(stream.account_id):
            raise MissingRecord("account")
        await self.db.live_streams.insert_one(stream_doc(stream))

    async def get_live_stream(self, stream_id: int) -> LiveStream | None:
        doc = await self.db.live_streams.find_one({"_id": stream_id})
        return _stream(doc) if doc else None

    async def get_live_streams(self, stream_ids: Iterable[int]) -> dict[int, LiveStream]:
        return await find_by_ids(self.db.live_streams, stream_ids, _stream)

    async def list_live_streams(
        self, page: Page, *, followed_by: int | None = None
    ) -> list[LiveStream]:
        query: Doc = {"state": "live", **page_filter(page)}
        if followed_by is not None:
            follows = await self.db.follows.find(
                {"account_id": followed_by}, {"target_account_id": 1}
            ).to_list(None)
            query["account_id"] = {"$in": [doc["target_account_id"] for doc in follows]}
        docs = await self.db.live_streams.find(
            query, sort=page_sort(page), limit=page.limit
        ).to_list(None)
        return [_stream(doc) for doc in newest_first(page, docs)]

    async def publishable_stream(self, account_id: int) -> LiveStream | None:
        for state in ("live", "created"):
            doc = await self.db.live_streams.find_one(
                {"account_id": account_id, "state": state}, sort=[("_id", -1)]
            )
            if doc:
                return _stream(doc)
        return None

    async def start_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        async def start(session: Session) -> LiveStream | None:
            doc = await self.db.live_streams.find_one_and_update(
                {"_id": stream_id, "state": "created"},
                {"$set": {"state": "live", "started_at": ts(at), "relay_seen_ms": unix_ms(at)}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if doc is None:
                return None
            await record_event(self.db, session, event, at)
            return _stream(doc)

        return await self._transaction(start)

    async def end_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        async def end(session: Session) -> LiveStream | None:
            doc = await self.db.live_streams.find_one_and_update(
                {"_id": stream_id, "state": {"$ne": "ended"}},
                {"$set": {"state": "ended", "ended_at": ts(at), "viewers_count": 0}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if doc is None:
                return None
            await self.db.live_viewers.delete_many({"stream_id": stream_id}, session=session)
            await record_event(self.db, session, event, at)
            return _stream(doc)

        return await self._transaction(end)

    async def renew_relay_lease(self, stream_ids: Iterable[int], at: datetime) -> None:
        ids = unique_ids(stream_ids)
        if ids:
            await self.db.live_streams.update_many(
                {"_id": {"$in": ids}, "state": "live"}, {"$set": {"relay_seen_ms": unix_ms(at)}}
            )

    async def abandoned_live_streams(self, before: datetime, *, limit: int) -> list[int]:
        docs = await self.db.live_streams.find(
            {"state": "live", "relay_seen_ms": {"$lt": unix_ms(before)}},
            {"_id": 1},
            sort=[("_id", 1)],
            limit=limit,
        ).to_list(None)
        return [doc["_id"] for doc in docs]
