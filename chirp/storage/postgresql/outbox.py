"""The transactional outbox on PostgreSQL: leases taken with `FOR UPDATE SKIP LOCKED`, so the
dispatchers of every node claim disjoint events at once instead of queueing on the same rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import orjson

from chirp.core.models import Event
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts
from chirp.storage.sqlite.outbox import SqliteOutbox


class PgOutbox(SqliteOutbox, SqliteBase):
    async def claim_events(self, *, limit: int, now: datetime, lease_seconds: float) -> list[Event]:
        at = ts(now)
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE outbox SET claimed_until = ?, attempts = attempts + 1 WHERE id IN"
                " (SELECT id FROM outbox WHERE available_at <= ?"
                " AND (claimed_until IS NULL OR claimed_until < ?)"
                " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)"
                " RETURNING id, kind, payload, attempts",
                (ts(now + timedelta(seconds=lease_seconds)), at, at, limit),
            )
            rows = await cursor.fetchall()
        events = [
            Event(id=r[0], kind=r[1], payload=orjson.loads(r[2]), attempts=r[3]) for r in rows
        ]
        return sorted(events, key=lambda e: e.id)

    async def complete_events(self, event_ids: Sequence[int]) -> None:
        if not event_ids:
            return
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM outbox WHERE id = ANY(CAST(? AS BIGINT[]))", (list(event_ids),)
            )
