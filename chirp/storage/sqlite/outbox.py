"""The transactional outbox in SQLite: events leased by the dispatcher, deleted when handled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import aiosqlite
import orjson

from chirp.core.models import Event
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts
from chirp.storage.sqlite.db import Row


class SqliteOutbox(SqliteBase):
    async def claim_events(self, *, limit: int, now: datetime, lease_seconds: float) -> list[Event]:
        async def claim(tx: aiosqlite.Connection) -> list[Row]:
            async with tx.execute(
                "UPDATE outbox SET claimed_until = ?, attempts = attempts + 1 WHERE id IN ("
                " SELECT id FROM outbox WHERE available_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
                " ORDER BY id LIMIT ?) RETURNING id, kind, payload, attempts",
                (ts(now + timedelta(seconds=lease_seconds)), ts(now), ts(now), limit),
            ) as cursor:
                return list(await cursor.fetchall())

        rows = await self.db.write(claim)
        events = [
            Event(id=r[0], kind=r[1], payload=orjson.loads(r[2]), attempts=r[3]) for r in rows
        ]
        return sorted(events, key=lambda e: e.id)

    async def complete_event(self, event_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM outbox WHERE id = ?", (event_id,))

    async def complete_events(self, event_ids: Sequence[int]) -> None:
        if not event_ids:
            return

        async def delete(tx: aiosqlite.Connection) -> None:
            await tx.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in event_ids])

        await self.db.write(delete)

    async def retry_event(self, event_id: int, *, available_at: datetime) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET available_at = ?, claimed_until = NULL WHERE id = ?",
                (ts(available_at), event_id),
            )
