"""Announcements in SQLite, with their reactions and per-user dismissals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import aiosqlite

from chirp.core.models import Announcement, Event, ReactionCount
from chirp.core.ports.announcements import TooManyReactions
from chirp.core.ports.errors import MissingRecord
from chirp.storage.shared import chronological
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import dt, req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.statuses import record_event


def announcement_from_row(row: Row) -> Announcement:
    return Announcement(
        id=row["id"],
        text=row["text"],
        published_at=req_dt(row["published_at"]),
        updated_at=req_dt(row["updated_at"]),
        starts_at=dt(row["starts_at"]),
        ends_at=dt(row["ends_at"]),
        all_day=bool(row["all_day"]),
    )


class SqliteAnnouncements(SqliteBase):
    async def create_announcement(self, announcement: Announcement, *, event: Event) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO announcements(id, text, starts_at, ends_at, all_day, published_at,"
                " updated_at) VALUES (?,?,?,?,?,?,?)",
                (
                    announcement.id,
                    announcement.text,
                    ts(announcement.starts_at),
                    ts(announcement.ends_at),
                    int(announcement.all_day),
                    ts(announcement.published_at),
                    ts(announcement.updated_at),
                ),
            )
            await record_event(tx, event, announcement.published_at)

    async def delete_announcement(self, announcement_id: int, *, event: Event) -> bool:
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute("DELETE FROM announcements WHERE id = ?", (announcement_id,))
            if cursor.rowcount != 1:
                return False
            await record_event(tx, event, datetime.now(UTC))
            return True

        return await self.db.write(write)

    async def get_announcement(self, announcement_id: int) -> Announcement | None:
        row = await self.db.fetchone("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
        return announcement_from_row(row) if row else None

    async def list_announcements(self) -> list[Announcement]:
        rows = await self.db.fetchall("SELECT * FROM announcements")
        return sorted(map(announcement_from_row, rows), key=chronological)

    async def dismiss_announcement(self, announcement_id: int, account_id: int) -> bool:
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO announcement_dismissals(account_id, announcement_id)"
                " SELECT ?, id FROM announcements WHERE id = ?",
                (account_id, announcement_id),
            )
            return cursor.rowcount == 1

        return await self.db.write(write)

    async def dismissed_announcements(
        self, account_id: int, announcement_ids: Iterable[int]
    ) -> set[int]:
        wanted = list(dict.fromkeys(announcement_ids))
        if not wanted:
            return set()
        rows = await self.db.fetchall(
            "SELECT announcement_id FROM announcement_dismissals WHERE account_id = ?"
            f" AND announcement_id IN ({placeholders(wanted)})",
            (account_id, *wanted),
        )
        return {row["announcement_id"] for row in rows}

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
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute(
                "SELECT 1 FROM announcements WHERE id = ?", (announcement_id,)
            )
            if await cursor.fetchone() is None:
                raise MissingRecord(f"announcement {announcement_id}")
            cursor = await tx.execute(
                "SELECT DISTINCT name FROM announcement_reactions WHERE announcement_id = ?",
                (announcement_id,),
            )
            names = {row[0] for row in await cursor.fetchall()}
            if name not in names and len(names) >= max_names:
                raise TooManyReactions(name)
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO announcement_reactions(announcement_id, account_id, name,"
                " created_at) VALUES (?,?,?,?)",
                (announcement_id, account_id, name, ts(at)),
            )
            if cursor.rowcount != 1:
                return False
            await record_event(tx, event, at)
            return True

        return await self.db.write(write)

    async def remove_announcement_reaction(
        self, announcement_id: int, account_id: int, name: str, *, event: Event
    ) -> bool:
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute(
                "DELETE FROM announcement_reactions WHERE announcement_id = ? AND account_id = ?"
                " AND name = ?",
                (announcement_id, account_id, name),
            )
            if cursor.rowcount != 1:
                return False
            await record_event(tx, event, datetime.now(UTC))
            return True

        return await self.db.write(write)

    async def announcement_reactions(
        self, announcement_ids: Iterable[int], viewer_id: int | None
    ) -> dict[int, list[ReactionCount]]:
        wanted = list(dict.fromkeys(announcement_ids))
        if not wanted:
            return {}
        rows = await self.db.fetchall(
            "SELECT announcement_id, name, count(*) AS count, max(account_id = ?) AS me,"
            " min(created_at) AS first FROM announcement_reactions"
            f" WHERE announcement_id IN ({placeholders(wanted)})"
            " GROUP BY announcement_id, name ORDER BY announcement_id, first, name",
            (viewer_id if viewer_id is not None else -1, *wanted),
        )
        found: dict[int, list[ReactionCount]] = {}
        for row in rows:
            found.setdefault(row["announcement_id"], []).append(
                ReactionCount(row["name"], row["count"], bool(row["me"]))
            )
        return found
