"""Live chat in SQLite (`live_chat`): messages, their rate limit and the streamer's bans."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from chirp.core.ids import id_at, id_time
from chirp.core.models import ChatMessage, Page
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.live_chat import ChatBanned, ChatRateLimited
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order


def message_from_row(row: Row) -> ChatMessage:
    return ChatMessage(
        id=row["id"],
        stream_id=row["stream_id"],
        account_id=row["account_id"],
        text=row["text"],
        created_at=req_dt(row["created_at"]),
    )


class SqliteLiveChat(SqliteBase):
    async def add_chat_message(
        self, message: ChatMessage, *, window_start: datetime, window_limit: int
    ) -> None:
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT s.account_id, EXISTS (SELECT 1 FROM live_chat_bans b"
                "  WHERE b.streamer_id = s.account_id AND b.account_id = ?)"
                " FROM live_streams s WHERE s.id = ?",
                (message.account_id, message.stream_id),
            ) as cursor:
                stream = await cursor.fetchone()
            if stream is None:
                raise MissingRecord("live stream")
            if stream[1]:
                raise ChatBanned()
            async with tx.execute(
                "SELECT id FROM live_chat WHERE stream_id = ? AND account_id = ? AND id >= ?"
                " ORDER BY id DESC LIMIT ?",
                (message.stream_id, message.account_id, id_at(window_start), window_limit),
            ) as cursor:
                recent = [row[0] for row in await cursor.fetchall()]
            if len(recent) >= window_limit:
                oldest = id_time(recent[-1])
                raise ChatRateLimited(oldest + (message.created_at - window_start))
            try:
                await tx.execute(
                    "INSERT INTO live_chat(id, stream_id, account_id, text, created_at)"
                    " VALUES (?,?,?,?,?)",
                    (
                        message.id,
                        message.stream_id,
                        message.account_id,
                        message.text,
                        ts(message.created_at),
                    ),
                )
            except sqlite3.IntegrityError as error:
                raise MissingRecord("account") from error

    async def get_chat_message(self, message_id: int) -> ChatMessage | None:
        row = await self.db.fetchone(
            "SELECT * FROM live_chat WHERE id = ? AND deleted_at IS NULL", (message_id,)
        )
        return message_from_row(row) if row else None

    async def list_chat_messages(self, stream_id: int, page: Page) -> list[ChatMessage]:
        bounds, params = page_bounds(page, "id")
        rows = await self.db.fetchall(
            f"SELECT * FROM live_chat WHERE stream_id = ? AND deleted_at IS NULL AND {bounds}"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            [stream_id, *params, page.limit],
        )
        return [message_from_row(row) for row in newest_first(page, rows)]

    async def delete_chat_message(self, message_id: int, at: datetime) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE live_chat SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (ts(at), message_id),
            )
            return cursor.rowcount == 1
