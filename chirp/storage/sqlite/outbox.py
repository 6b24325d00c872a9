"""The transactional outbox in SQLite: events leased by the dispatcher, deleted when handled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import aiosqlite
import orjson

from chirp.core.models import Event, RunningNode
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts


class SqliteOutbox(SqliteBase):
    async def count_due_events(self, now: datetime) -> int:
        row = await self.db.fetchone_now(  # the `available_at` index alone: bounded by the backlog
            "SELECT count(*) FROM outbox WHERE available_at <= ?", (ts(now),)
        )
        return int(row[0]) if row else 0

    async def claim_events(
        self, *, limit: int, now: datetime, lease_seconds: float, owner: str = ""
    ) -> list[Event]:
        # Three statements returning one value each, not a row per event: on the writer's
        # thread every row fetched is a step that gives up the GIL and waits to take it back
        # from the busy event loop, and tweets posted meanwhile wait for the writer.
        async def claim(tx: aiosqlite.Connection) -> str:
            async with tx.execute(
                "SELECT json_group_array(id) FROM (SELECT id FROM outbox WHERE available_at <= ?"
                " AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY id LIMIT ?)",
                (ts(now), ts(now), limit),
            ) as cursor:
                ids = (await cursor.fetchone() or ("[]",))[0]
            await tx.execute(
                "UPDATE outbox SET claimed_until = ?, claimed_by = ?, attempts = attempts + 1"
                " WHERE id IN (SELECT value FROM json_each(?))",
                (ts(now + timedelta(seconds=lease_seconds)), owner or None, ids),
            )
            async with tx.execute(
                "SELECT json_group_array(json_array(id, kind, payload, attempts)) FROM outbox"
                " WHERE id IN (SELECT value FROM json_each(?))",
                (ids,),
            ) as cursor:
                return str((await cursor.fetchone() or ("[]",))[0])

        rows = orjson.loads(await self.db.write(claim))
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

        async def delete(tx: aiosqlite.Connection) -> None:  # one statement: see claim_events
            await tx.execute(
                "DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))",
                (orjson.dumps(list(event_ids)).decode(),),
            )

        await self.db.write(delete)

    async def retry_event(self, event_id: int, *, available_at: datetime) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET available_at = ?, claimed_until = NULL, claimed_by = NULL"
                " WHERE id = ?",
                (ts(available_at), event_id),
            )

    async def oldest_event_id(self) -> int | None:
        row = await self.db.fetchone_now("SELECT min(id) FROM outbox")  # the primary key's end
        return int(row[0]) if row and row[0] is not None else None

    async def beat_node(self, node: RunningNode) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT OR REPLACE INTO nodes (key, host, pid, shared_bus, seen_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (node.key, node.host, node.pid, int(node.shared_bus), ts(node.seen_at)),
            )

    async def list_nodes(self) -> list[RunningNode]:
        rows = await self.db.fetchall("SELECT key, host, pid, shared_bus, seen_at FROM nodes")
        return [
            RunningNode(
                key=r[0],
                host=r[1],
                pid=r[2],
                shared_bus=bool(r[3]),
                seen_at=datetime.fromisoformat(r[4]),
            )
            for r in rows
        ]

    async def remove_node(self, key: str) -> int:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM nodes WHERE key = ?", (key,))
            cursor = await tx.execute(
                "UPDATE outbox SET claimed_until = NULL, claimed_by = NULL WHERE claimed_by = ?",
                (key,),
            )
            return int(cursor.rowcount or 0)
