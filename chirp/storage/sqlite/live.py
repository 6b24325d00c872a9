"""Live streams in SQLite: streams, stream keys, viewer heartbeats, chat and chat bans."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from chirp.core.ids import id_at, id_time
from chirp.core.models import ChatMessage, Event, LiveStream, Page, StreamKey
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.live import ChatBanned, ChatRateLimited
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import dt, req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order
from chirp.storage.sqlite.statuses import record_event


def stream_from_row(row: Row) -> LiveStream:
    return LiveStream(
        id=row["id"],
        account_id=row["account_id"],
        title=row["title"],
        visibility=row["visibility"],
        state=row["state"],
        created_at=req_dt(row["created_at"]),
        started_at=dt(row["started_at"]),
        ended_at=dt(row["ended_at"]),
        viewers_count=row["viewers_count"],
    )


def message_from_row(row: Row) -> ChatMessage:
    return ChatMessage(
        id=row["id"],
        stream_id=row["stream_id"],
        account_id=row["account_id"],
        text=row["text"],
        created_at=req_dt(row["created_at"]),
    )


def _key(row: Row) -> StreamKey:
    return StreamKey(
        account_id=row["account_id"], digest=row["digest"], created_at=req_dt(row["created_at"])
    )


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class SqliteLive(SqliteBase):
    # -- streams -----------------------------------------------------------------------------

    async def create_live_stream(self, stream: LiveStream) -> None:
        try:
            async with self.db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO live_streams(id, account_id, title, visibility, state, created_at,"
                    " started_at, ended_at, viewers_count) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        stream.id,
                        stream.account_id,
                        stream.title,
                        stream.visibility,
                        stream.state,
                        ts(stream.created_at),
                        ts(stream.started_at),
                        ts(stream.ended_at),
                        stream.viewers_count,
                    ),
                )
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise MissingRecord("account") from error
            raise

    async def get_live_stream(self, stream_id: int) -> LiveStream | None:
        row = await self.db.fetchone_now("SELECT * FROM live_streams WHERE id = ?", (stream_id,))
        return stream_from_row(row) if row else None

    async def get_live_streams(self, stream_ids: Iterable[int]) -> dict[int, LiveStream]:
        ids = list(dict.fromkeys(stream_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall_now(
            f"SELECT * FROM live_streams WHERE id IN ({placeholders(ids)})", ids
        )
        return {row["id"]: stream_from_row(row) for row in rows}

    async def list_live_streams(
        self, page: Page, *, followed_by: int | None = None
    ) -> list[LiveStream]:
        bounds, params = page_bounds(page, "s.id")
        sql = f"SELECT s.* FROM live_streams s WHERE s.state = 'live' AND {bounds}"
        if followed_by is not None:
            sql += (
                " AND s.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ?)"
            )
            params.append(followed_by)
        rows = await self.db.fetchall(
            f"{sql} ORDER BY s.id {page_order(page)} LIMIT ?", [*params, page.limit]
        )
        return [stream_from_row(row) for row in newest_first(page, rows)]

    async def publishable_stream(self, account_id: int) -> LiveStream | None:
        row = await self.db.fetchone(
            "SELECT * FROM live_streams WHERE account_id = ? AND state IN ('live', 'created')"
            " ORDER BY state = 'live' DESC, id DESC LIMIT 1",
            (account_id,),
        )
        return stream_from_row(row) if row else None

    async def start_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        async with self.db.transaction() as tx:
            async with tx.execute(
                "UPDATE live_streams SET state = 'live', started_at = ?, relay_seen_ms = ?"
                " WHERE id = ? AND state = 'created' RETURNING *",
                (ts(at), _ms(at), stream_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await record_event(tx, event, at)
            return stream_from_row(row)

    async def end_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        async with self.db.transaction() as tx:
            async with tx.execute(
                "UPDATE live_streams SET state = 'ended', ended_at = ?, viewers_count = 0"
                " WHERE id = ? AND state != 'ended' RETURNING *",
                (ts(at), stream_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await tx.execute("DELETE FROM live_viewers WHERE stream_id = ?", (stream_id,))
            await record_event(tx, event, at)
            return stream_from_row(row)

    async def renew_relay_lease(self, stream_ids: Iterable[int], at: datetime) -> None:
        ids = list(dict.fromkeys(stream_ids))
        if not ids:
            return
        async with self.db.transaction() as tx:
            await tx.execute(
                f"UPDATE live_streams SET relay_seen_ms = ? WHERE id IN ({placeholders(ids)})"
                " AND state = 'live'",
                [_ms(at), *ids],
            )

    async def abandoned_live_streams(self, before: datetime, *, limit: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM live_streams WHERE state = 'live' AND relay_seen_ms < ?"
            " ORDER BY id LIMIT ?",
            (_ms(before), limit),
        )
        return [row[0] for row in rows]

    # -- stream keys -------------------------------------------------------------------------

    async def set_stream_key(self, key: StreamKey) -> None:
        try:
            async with self.db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO stream_keys(account_id, digest, created_at) VALUES (?,?,?)"
                    " ON CONFLICT(account_id) DO UPDATE SET digest = excluded.digest,"
                    " created_at = excluded.created_at",
                    (key.account_id, key.digest, ts(key.created_at)),
                )
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise MissingRecord("account") from error
            raise

    async def get_stream_key(self, account_id: int) -> StreamKey | None:
        row = await self.db.fetchone(
            "SELECT * FROM stream_keys WHERE account_id = ?", (account_id,)
        )
        return _key(row) if row else None

    async def find_stream_key(self, digest: str) -> StreamKey | None:
        row = await self.db.fetchone("SELECT * FROM stream_keys WHERE digest = ?", (digest,))
        return _key(row) if row else None

    # -- viewers -----------------------------------------------------------------------------

    async def record_viewer(
        self, stream_id: int, viewer: str, at: datetime, *, active_since: datetime
    ) -> int:
        since = _ms(active_since)
        async with self.db.transaction() as tx:
            try:
                await tx.execute(
                    "INSERT INTO live_viewers(stream_id, viewer, seen_ms) VALUES (?,?,?)"
                    " ON CONFLICT(stream_id, viewer) DO UPDATE"
                    " SET seen_ms = max(seen_ms, excluded.seen_ms)",
                    (stream_id, viewer, _ms(at)),
                )
            except sqlite3.IntegrityError as error:
                raise MissingRecord("live stream") from error
            await tx.execute(
                "DELETE FROM live_viewers WHERE stream_id = ? AND seen_ms < ?", (stream_id, since)
            )
            async with tx.execute(
                "SELECT count(*) FROM live_viewers WHERE stream_id = ? AND seen_ms >= ?",
                (stream_id, since),
            ) as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def count_live_viewers(self, active_since: datetime) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT s.id, count(v.viewer) FROM live_streams s"
            " LEFT JOIN live_viewers v ON v.stream_id = s.id AND v.seen_ms >= ?"
            " WHERE s.state = 'live' GROUP BY s.id",
            (_ms(active_since),),
        )
        return {row[0]: row[1] for row in rows}

    async def set_viewers_count(self, stream_id: int, count: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE live_streams SET viewers_count = ? WHERE id = ? AND viewers_count != ?",
                (count, stream_id, count),
            )
            return cursor.rowcount == 1

    # -- chat --------------------------------------------------------------------------------

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

    async def ban_from_chat(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        try:
            async with self.db.transaction() as tx:
                cursor = await tx.execute(
                    "INSERT OR IGNORE INTO live_chat_bans(streamer_id, account_id, created_at)"
                    " VALUES (?,?,?)",
                    (streamer_id, account_id, ts(at)),
                )
                return cursor.rowcount == 1
        except sqlite3.IntegrityError as error:
            raise MissingRecord("account") from error

    async def unban_from_chat(self, streamer_id: int, account_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM live_chat_bans WHERE streamer_id = ? AND account_id = ?",
                (streamer_id, account_id),
            )
            return cursor.rowcount == 1

    async def is_banned_from_chat(self, streamer_id: int, account_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM live_chat_bans WHERE streamer_id = ? AND account_id = ?",
            (streamer_id, account_id),
        )
        return row is not None
