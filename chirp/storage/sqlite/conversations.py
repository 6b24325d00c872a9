"""Direct conversations in SQLite: `conversations` (one row per participant) and their
tweets (`conversation_statuses`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chirp.core.models import Conversation, Page
from chirp.storage.shared import participants_key
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order

_SELECT = (
    "SELECT c.id, c.account_id, c.thread_id, c.participant_ids, c.last_status_id, c.unread,"
    " (SELECT group_concat(status_id) FROM conversation_statuses s WHERE s.conversation_id = c.id)"
    " FROM conversations c"
)


def _ids(joined: str | None) -> tuple[int, ...]:
    return tuple(sorted(int(i) for i in joined.split(","))) if joined else ()


def _conversation(row: Any) -> Conversation:
    return Conversation(
        id=row[0],
        account_id=row[1],
        thread_id=row[2],
        participant_ids=_ids(row[3]),
        last_status_id=row[4],
        unread=bool(row[5]),
        status_ids=_ids(row[6]),
    )


class SqliteConversations(SqliteBase):
    async def add_conversation_status(
        self,
        account_id: int,
        thread_id: int,
        participant_ids: Sequence[int],
        status_id: int,
        *,
        unread: bool,
        new_id: int,
    ) -> Conversation:
        key = participants_key(participant_ids)
        async with self.db.transaction() as tx:
            # As Mastodon: a tweet already in it changes nothing (a retried event, or an edit).
            cursor = await tx.execute(
                f"{_SELECT} WHERE c.account_id = ? AND c.thread_id = ? AND c.participant_ids = ?",
                (account_id, thread_id, key),
            )
            found = await cursor.fetchone()
            if found is not None and status_id in _ids(found[6]):
                return _conversation(found)
            await tx.execute(
                "INSERT INTO conversations(id, account_id, thread_id, participant_ids,"
                " last_status_id, unread) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(account_id, thread_id, participant_ids) DO UPDATE SET"
                " last_status_id = max(last_status_id, excluded.last_status_id),"
                " unread = excluded.unread",
                (new_id, account_id, thread_id, key, status_id, int(unread)),
            )
            conversation_id = found[0] if found is not None else new_id
            await tx.execute(
                "INSERT OR IGNORE INTO conversation_statuses(conversation_id, status_id)"
                " VALUES (?, ?)",
                (conversation_id, status_id),
            )
            cursor = await tx.execute(f"{_SELECT} WHERE c.id = ?", (conversation_id,))
            return _conversation(await cursor.fetchone())

    async def remove_conversation_status(self, status_id: int) -> list[Conversation]:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM conversation_statuses WHERE status_id = ? RETURNING conversation_id",
                (status_id,),
            )
            touched = [row[0] for row in await cursor.fetchall()]
            standing = []
            for conversation_id in touched:
                cursor = await tx.execute(
                    "SELECT max(status_id) FROM conversation_statuses WHERE conversation_id = ?",
                    (conversation_id,),
                )
                newest = (await cursor.fetchone() or (None,))[0]
                if newest is None:
                    await tx.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
                    continue
                await tx.execute(
                    "UPDATE conversations SET last_status_id = ? WHERE id = ?",
                    (newest, conversation_id),
                )
                cursor = await tx.execute(f"{_SELECT} WHERE c.id = ?", (conversation_id,))
                standing.append(_conversation(await cursor.fetchone()))
            return standing

    async def conversations_with_status(self, status_id: int) -> list[Conversation]:
        rows = await self.db.fetchall(
            f"{_SELECT} WHERE c.id IN (SELECT conversation_id FROM conversation_statuses"
            " WHERE status_id = ?) ORDER BY c.id",
            (status_id,),
        )
        return [_conversation(row) for row in rows]

    async def direct_timeline(self, account_id: int, page: Page) -> list[int]:
        own_bounds, own_params = page_bounds(page, "id")
        mention_bounds, mention_params = page_bounds(page, "m.status_id")
        order = page_order(page)
        rows = await self.db.fetchall(
            f"SELECT id FROM (SELECT id FROM statuses WHERE account_id = ? AND {own_bounds}"
            f" AND visibility = 'direct' ORDER BY id {order} LIMIT ?)"
            " UNION SELECT id FROM (SELECT m.status_id AS id FROM status_mentions m"
            f" JOIN statuses s ON s.id = m.status_id WHERE m.account_id = ? AND {mention_bounds}"
            f" AND s.visibility = 'direct' ORDER BY m.status_id {order} LIMIT ?)"
            f" ORDER BY id {order} LIMIT ?",
            (
                account_id,
                *own_params,
                page.limit,
                account_id,
                *mention_params,
                page.limit,
                page.limit,
            ),
        )
        return [row[0] for row in newest_first(page, rows)]

    async def list_conversations(self, account_id: int, page: Page) -> list[Conversation]:
        bounds, params = page_bounds(page, "c.last_status_id")
        rows = await self.db.fetchall(
            f"{_SELECT} WHERE c.account_id = ? AND {bounds}"
            f" ORDER BY c.last_status_id {page_order(page)}, c.id LIMIT ?",
            (account_id, *params, page.limit),
        )
        return [_conversation(row) for row in newest_first(page, rows)]

    async def get_conversation(self, account_id: int, conversation_id: int) -> Conversation | None:
        row = await self.db.fetchone(
            f"{_SELECT} WHERE c.id = ? AND c.account_id = ?", (conversation_id, account_id)
        )
        return _conversation(row) if row else None

    async def mark_conversation_read(
        self, account_id: int, conversation_id: int
    ) -> Conversation | None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE conversations SET unread = 0 WHERE id = ? AND account_id = ?",
                (conversation_id, account_id),
            )
            cursor = await tx.execute(
                f"{_SELECT} WHERE c.id = ? AND c.account_id = ?", (conversation_id, account_id)
            )
            row = await cursor.fetchone()
            return _conversation(row) if row else None

    async def remove_conversation(self, account_id: int, conversation_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM conversations WHERE id = ? AND account_id = ?",
                (conversation_id, account_id),
            )
            return cursor.rowcount == 1
