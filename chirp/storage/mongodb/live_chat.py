"""Live chat in MongoDB: `live_chat`, and `chat_senders` (the rate limit's write guard)."""

from __future__ import annotations

from datetime import datetime

from chirp.core.ids import id_at, id_time
from chirp.core.models import ChatMessage, Page
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.live_chat import ChatBanned, ChatRateLimited
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    edge,
    newest_first,
    page_filter,
    page_sort,
    ts,
    ts_or_none,
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


class MongoLiveChat(MongoBase):
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
