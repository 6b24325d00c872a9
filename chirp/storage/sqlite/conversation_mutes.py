"""Muted conversations in SQLite, keyed by (account, thread root)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts
from chirp.storage.sqlite.db import placeholders


class SqliteConversationMutes(SqliteBase):
    async def mute_conversation(self, account_id: int, conversation_id: int, at: datetime) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO conversation_mutes(account_id, conversation_id, created_at)"
                " VALUES (?,?,?)",
                (account_id, conversation_id, ts(at)),
            )
            return cursor.rowcount == 1

    async def unmute_conversation(self, account_id: int, conversation_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM conversation_mutes WHERE account_id = ? AND conversation_id = ?",
                (account_id, conversation_id),
            )
            return cursor.rowcount == 1

    async def get_muted_conversations(
        self, account_id: int, conversation_ids: Iterable[int]
    ) -> set[int]:
        wanted = list(set(conversation_ids))
        if not wanted:
            return set()
        rows = await self.db.fetchall_now(
            "SELECT conversation_id FROM conversation_mutes WHERE account_id = ?"
            f" AND conversation_id IN ({placeholders(wanted)})",
            (account_id, *wanted),
        )
        return {row[0] for row in rows}

    async def get_conversation_muters(
        self, conversation_id: int, account_ids: Iterable[int]
    ) -> set[int]:
        wanted = list(set(account_ids))
        if not wanted:
            return set()
        rows = await self.db.fetchall(
            "SELECT account_id FROM conversation_mutes WHERE conversation_id = ?"
            f" AND account_id IN ({placeholders(wanted)})",
            (conversation_id, *wanted),
        )
        return {row[0] for row in rows}
