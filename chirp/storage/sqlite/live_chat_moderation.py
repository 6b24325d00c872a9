"""A streamer's chat moderators and bans in SQLite (`live_chat_moderators`,
`live_chat_bans`)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from chirp.core.ports.errors import MissingRecord
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts


class SqliteLiveChatModeration(SqliteBase):
    async def add_chat_moderator(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        try:
            async with self.db.transaction() as tx:
                cursor = await tx.execute(
                    "INSERT OR IGNORE INTO live_chat_moderators(streamer_id, account_id,"
                    " created_at) VALUES (?,?,?)",
                    (streamer_id, account_id, ts(at)),
                )
                return cursor.rowcount == 1
        except sqlite3.IntegrityError as error:
            raise MissingRecord("account") from error

    async def remove_chat_moderator(self, streamer_id: int, account_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM live_chat_moderators WHERE streamer_id = ? AND account_id = ?",
                (streamer_id, account_id),
            )
            return cursor.rowcount == 1

    async def is_chat_moderator(self, streamer_id: int, account_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM live_chat_moderators WHERE streamer_id = ? AND account_id = ?",
            (streamer_id, account_id),
        )
        return row is not None

    async def list_chat_moderators(self, streamer_id: int, *, limit: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT account_id FROM live_chat_moderators WHERE streamer_id = ?"
            " ORDER BY created_at, account_id LIMIT ?",
            (streamer_id, limit),
        )
        return [row[0] for row in rows]

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
