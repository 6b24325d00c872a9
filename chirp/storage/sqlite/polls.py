"""Polls in SQLite: `polls`, `poll_options` (counts incremented in place), `poll_votes` and
`poll_voters` (one row per voter: a second ballot is refused by its primary key)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from chirp.core.models import Event, Poll
from chirp.core.ports.errors import MissingRecord, UniqueViolation
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.statuses import record_event


def _poll(row: Row, options: list[Row]) -> Poll:
    return Poll(
        id=row["id"],
        status_id=row["status_id"],
        account_id=row["account_id"],
        options=tuple(o["title"] for o in options),
        votes=tuple(o["votes_count"] for o in options),
        expires_at=req_dt(row["expires_at"]),
        multiple=bool(row["multiple"]),
        hide_totals=bool(row["hide_totals"]),
        voters_count=row["voters_count"],
    )


async def _write_options(tx: aiosqlite.Connection, poll: Poll) -> None:
    await tx.executemany(
        "INSERT INTO poll_options(poll_id, position, title, votes_count) VALUES (?,?,?,0)",
        [(poll.id, i, title) for i, title in enumerate(poll.options)],
    )


class SqlitePolls(SqliteBase):
    async def create_poll(self, poll: Poll, *, event: Event) -> None:
        async def write(tx: aiosqlite.Connection) -> None:
            await tx.execute(
                "INSERT INTO polls(id, status_id, account_id, expires_at, multiple, hide_totals,"
                " voters_count) VALUES (?,?,?,?,?,?,0)",
                (
                    poll.id,
                    poll.status_id,
                    poll.account_id,
                    ts(poll.expires_at),
                    poll.multiple,
                    poll.hide_totals,
                ),
            )
            await _write_options(tx, poll)
            await record_event(tx, event, poll.expires_at)

        await self.db.write(write)

    async def reset_poll(
        self, poll: Poll, *, event: Event, keep_votes: bool = False
    ) -> Poll | None:
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute(
                "UPDATE polls SET expires_at = ?, multiple = ?, hide_totals = ?"
                + ("" if keep_votes else ", voters_count = 0")
                + " WHERE id = ?",
                (ts(poll.expires_at), poll.multiple, poll.hide_totals, poll.id),
            )
            if cursor.rowcount == 0:
                return False
            if not keep_votes:
                for table in ("poll_options", "poll_votes", "poll_voters"):
                    await tx.execute(f"DELETE FROM {table} WHERE poll_id = ?", (poll.id,))
                await _write_options(tx, poll)
            await record_event(tx, event, poll.expires_at)
            return True

        return await self.get_poll(poll.id) if await self.db.write(write) else None

    async def remove_poll(self, poll_id: int) -> None:
        async def write(tx: aiosqlite.Connection) -> None:
            await tx.execute("DELETE FROM polls WHERE id = ?", (poll_id,))

        await self.db.write(write)

    async def _polls(self, column: str, keys: list[int]) -> list[Poll]:
        if not keys:
            return []
        rows = await self.db.fetchall_now(
            f"SELECT * FROM polls WHERE {column} IN ({placeholders(keys)})", keys
        )
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        options = await self.db.fetchall_now(
            f"SELECT * FROM poll_options WHERE poll_id IN ({placeholders(ids)})"
            " ORDER BY poll_id, position",
            ids,
        )
        by_poll: dict[int, list[Row]] = {}
        for option in options:
            by_poll.setdefault(option["poll_id"], []).append(option)
        return [_poll(row, by_poll.get(row["id"], [])) for row in rows]

    async def get_poll(self, poll_id: int) -> Poll | None:
        found = await self._polls("id", [poll_id])
        return found[0] if found else None

    async def get_polls_of_statuses(self, status_ids: Iterable[int]) -> dict[int, Poll]:
        return {p.status_id: p for p in await self._polls("status_id", list(set(status_ids)))}

    async def get_own_votes(
        self, account_id: int, poll_ids: Iterable[int]
    ) -> dict[int, tuple[int, ...]]:
        ids = list(set(poll_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall_now(
            "SELECT poll_id, choice FROM poll_votes WHERE account_id = ?"
            f" AND poll_id IN ({placeholders(ids)}) ORDER BY poll_id, choice",
            (account_id, *ids),
        )
        votes: dict[int, tuple[int, ...]] = {}
        for row in rows:
            votes[row["poll_id"]] = (*votes.get(row["poll_id"], ()), row["choice"])
        return votes

    async def add_poll_votes(
        self, poll_id: int, account_id: int, choices: Sequence[int], *, at: datetime, event: Event
    ) -> Poll:
        async def write(tx: aiosqlite.Connection) -> None:
            cursor = await tx.execute(
                "UPDATE polls SET voters_count = voters_count + 1 WHERE id = ?", (poll_id,)
            )
            if cursor.rowcount == 0:
                raise MissingRecord("poll")
            try:
                await tx.execute(
                    "INSERT INTO poll_voters(poll_id, account_id) VALUES (?,?)",
                    (poll_id, account_id),
                )
            except sqlite3.IntegrityError:
                raise UniqueViolation("poll_vote") from None
            await tx.executemany(
                "INSERT INTO poll_votes(poll_id, account_id, choice, created_at) VALUES (?,?,?,?)",
                [(poll_id, account_id, choice, ts(at)) for choice in choices],
            )
            await tx.execute(
                "UPDATE poll_options SET votes_count = votes_count + 1"
                f" WHERE poll_id = ? AND position IN ({placeholders(list(choices))})",
                (poll_id, *choices),
            )
            await record_event(tx, event, at)

        await self.db.write(write)
        poll = await self.get_poll(poll_id)
        if poll is None:
            raise MissingRecord("poll")
        return poll

    async def poll_voter_ids(self, poll_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT account_id FROM poll_voters WHERE poll_id = ? ORDER BY account_id", (poll_id,)
        )
        return [row["account_id"] for row in rows]
