"""Live streams in MongoDB: `live_streams`, `stream_keys`, `live_viewers` (heartbeats),
`live_chat`, `chat_senders` (the rate limit's write guard) and `chat_bans`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo import ReturnDocument

from chirp.core.ids import id_at, id_time
from chirp.core.models import ChatMessage, Event, LiveStream, Page, StreamKey
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.live import ChatBanned, ChatRateLimited
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    dt_or_none,
    edge,
    find_by_ids,
    newest_first,
    page_filter,
    page_sort,
    record_event,
    ts,
    ts_or_none,
    unique_ids,
)
from chirp.storage.mongodb.schema import insert_new


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


def chat_doc(message: ChatMessage, deleted_at: datetime | None = None) -> Doc:
    return {
        "_id": message.id,
        "stream_id": message.stream_id,
        "account_id": message.account_id,
        "text": message.text,
        "created_at": ts(message.created_at),
        "deleted_at": ts_or_none(deleted_at),
    }


def _message(doc: Doc) -> ChatMessage:
    return ChatMessage(
        id=doc["_id"],
        stream_id=doc["stream_id"],
        account_id=doc["account_id"],
        text=doc["text"],
        created_at=dt(doc["created_at"]),
    )


def _key(doc: Doc) -> StreamKey:
    return StreamKey(account_id=doc["_id"], digest=doc["digest"], created_at=dt(doc["created_at"]))


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class MongoLive(MongoBase):
    async def _account_exists(self, account_id: int, session: Session | None = None) -> bool:
        found = await self.db.accounts.find_one({"_id": account_id}, {"_id": 1}, session=session)
        return found is not None

    # -- streams -----------------------------------------------------------------------------

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
                {"$set": {"state": "live", "started_at": ts(at), "relay_seen_ms": _ms(at)}},
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
                {"_id": {"$in": ids}, "state": "live"}, {"$set": {"relay_seen_ms": _ms(at)}}
            )

    async def abandoned_live_streams(self, before: datetime, *, limit: int) -> list[int]:
        docs = await self.db.live_streams.find(
            {"state": "live", "relay_seen_ms": {"$lt": _ms(before)}},
            {"_id": 1},
            sort=[("_id", 1)],
            limit=limit,
        ).to_list(None)
        return [doc["_id"] for doc in docs]

    # -- stream keys -------------------------------------------------------------------------

    async def set_stream_key(self, key: StreamKey) -> None:
        if not await self._account_exists(key.account_id):
            raise MissingRecord("account")
        await self.db.stream_keys.update_one(
            {"_id": key.account_id},
            {"$set": {"digest": key.digest, "created_at": ts(key.created_at)}},
            upsert=True,
        )

    async def get_stream_key(self, account_id: int) -> StreamKey | None:
        doc = await self.db.stream_keys.find_one({"_id": account_id})
        return _key(doc) if doc else None

    async def find_stream_key(self, digest: str) -> StreamKey | None:
        doc = await self.db.stream_keys.find_one({"digest": digest})
        return _key(doc) if doc else None

    # -- viewers -----------------------------------------------------------------------------

    async def record_viewer(
        self, stream_id: int, viewer: str, at: datetime, *, active_since: datetime
    ) -> int:
        if await self.db.live_streams.find_one({"_id": stream_id}, {"_id": 1}) is None:
            raise MissingRecord("live stream")
        since = _ms(active_since)
        await self.db.live_viewers.update_one(
            {"_id": edge(stream_id, viewer), "stream_id": stream_id},  # + the shard key
            {"$max": {"seen_ms": _ms(at)}},
            upsert=True,
        )
        await self.db.live_viewers.delete_many({"stream_id": stream_id, "seen_ms": {"$lt": since}})
        return await self.db.live_viewers.count_documents(
            {"stream_id": stream_id, "seen_ms": {"$gte": since}}
        )

    async def count_live_viewers(self, active_since: datetime) -> dict[int, int]:
        live = await self.db.live_streams.find({"state": "live"}, {"_id": 1}).to_list(None)
        counts = {doc["_id"]: 0 for doc in live}
        if not counts:
            return counts
        cursor = await self.db.live_viewers.aggregate(
            [
                {
                    "$match": {
                        "stream_id": {"$in": list(counts)},
                        "seen_ms": {"$gte": _ms(active_since)},
                    }
                },
                {"$group": {"_id": "$stream_id", "n": {"$sum": 1}}},
            ]
        )
        for row in await cursor.to_list(None):
            counts[row["_id"]] = row["n"]
        return counts

    async def set_viewers_count(self, stream_id: int, count: int) -> bool:
        result = await self.db.live_streams.update_one(
            {"_id": stream_id, "viewers_count": {"$ne": count}},
            {"$set": {"viewers_count": count}},
        )
        return result.modified_count == 1

    # -- chat --------------------------------------------------------------------------------

    async def add_chat_message(
        self, message: ChatMessage, *, window_start: datetime, window_limit: int
    ) -> None:
        db = self.db

        async def add(session: Session) -> None:
            stream = await db.live_streams.find_one(
                {"_id": message.stream_id}, {"account_id": 1}, session=session
            )
            if stream is None:
                raise MissingRecord("live stream")
            ban = edge(stream["account_id"], message.account_id)
            if await db.chat_bans.find_one({"_id": ban}, session=session):
                raise ChatBanned()
            # Two transactions counting the same sender's window would not conflict on the
            # messages they insert (write skew); both writing this guard makes one retry.
            await db.chat_senders.update_one(
                {"_id": edge(message.stream_id, message.account_id)},
                {"$inc": {"sent": 1}},
                upsert=True,
                session=session,
            )
            recent = await db.live_chat.find(
                {
                    "stream_id": message.stream_id,
                    "account_id": message.account_id,
                    "_id": {"$gte": id_at(window_start)},
                },
                {"_id": 1},
                sort=[("_id", -1)],
                limit=window_limit,
                session=session,
            ).to_list(None)
            if len(recent) >= window_limit:
                oldest = id_time(recent[-1]["_id"])
                raise ChatRateLimited(oldest + (message.created_at - window_start))
            if not await self._account_exists(message.account_id, session):
                raise MissingRecord("account")
            await db.live_chat.insert_one(chat_doc(message), session=session)

        await self._transaction(add)

    async def get_chat_message(self, message_id: int) -> ChatMessage | None:
        doc = await self.db.live_chat.find_one({"_id": message_id, "deleted_at": None})
        return _message(doc) if doc else None

    async def list_chat_messages(self, stream_id: int, page: Page) -> list[ChatMessage]:
        docs = await self.db.live_chat.find(
            {"stream_id": stream_id, "deleted_at": None, **page_filter(page)},
            sort=page_sort(page),
            limit=page.limit,
        ).to_list(None)
        return [_message(doc) for doc in newest_first(page, docs)]

    async def delete_chat_message(self, message_id: int, at: datetime) -> bool:
        result = await self.db.live_chat.update_one(
            {"_id": message_id, "deleted_at": None}, {"$set": {"deleted_at": ts(at)}}
        )
        return result.modified_count == 1

    async def ban_from_chat(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        found = await self.db.accounts.count_documents({"_id": {"$in": [streamer_id, account_id]}})
        if found != len({streamer_id, account_id}):
            raise MissingRecord("account")
        ban = {
            "_id": edge(streamer_id, account_id),
            "streamer_id": streamer_id,
            "account_id": account_id,
            "created_at": ts(at),
        }
        return await insert_new(self.db, "chat_bans", ban)

    async def unban_from_chat(self, streamer_id: int, account_id: int) -> bool:
        result = await self.db.chat_bans.delete_one({"_id": edge(streamer_id, account_id)})
        return result.deleted_count == 1

    async def is_banned_from_chat(self, streamer_id: int, account_id: int) -> bool:
        found = await self.db.chat_bans.find_one({"_id": edge(streamer_id, account_id)})
        return found is not None
