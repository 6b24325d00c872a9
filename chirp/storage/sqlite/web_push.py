"""Web Push subscriptions in SQLite (`push_subscriptions`) and the instance's kept secrets
(`instance_secrets`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from chirp.core.models import Event, PushSubscription
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import dt, req_dt, ts, words
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.statuses import record_event


def subscription_from_row(row: Row) -> PushSubscription:
    return PushSubscription(
        id=row["id"],
        token_id=row["token_id"],
        account_id=row["account_id"],
        endpoint=row["endpoint"],
        p256dh=row["p256dh"],
        auth=row["auth"],
        alerts=frozenset(words(row["alerts"])),
        policy=row["policy"],
        standard=bool(row["standard"]),
        created_at=req_dt(row["created_at"]),
    )


class SqliteWebPush(SqliteBase):
    async def save_push_subscription(self, subscription: PushSubscription) -> None:
        s = subscription

        async def write(tx: aiosqlite.Connection) -> None:
            await tx.execute("DELETE FROM push_subscriptions WHERE token_id = ?", (s.token_id,))
            await tx.execute(
                "INSERT INTO push_subscriptions(id, token_id, account_id, endpoint, p256dh, auth,"
                " alerts, policy, standard, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    s.id,
                    s.token_id,
                    s.account_id,
                    s.endpoint,
                    s.p256dh,
                    s.auth,
                    " ".join(sorted(s.alerts)),
                    s.policy,
                    int(s.standard),
                    ts(s.created_at),
                ),
            )

        await self.db.write(write)

    async def get_push_subscription(self, token_id: int) -> PushSubscription | None:
        row = await self.db.fetchone(
            "SELECT * FROM push_subscriptions WHERE token_id = ?", (token_id,)
        )
        return subscription_from_row(row) if row is not None else None

    async def update_push_subscription(
        self, token_id: int, alerts: frozenset[str], policy: str
    ) -> PushSubscription | None:
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute(
                "UPDATE push_subscriptions SET alerts = ?, policy = ? WHERE token_id = ?",
                (" ".join(sorted(alerts)), policy, token_id),
            )
            return bool(cursor.rowcount)

        if not await self.db.write(write):
            return None
        return await self.get_push_subscription(token_id)

    async def remove_push_subscription(self, subscription_id: int) -> bool:
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute(
                "DELETE FROM push_subscriptions WHERE id = ?", (subscription_id,)
            )
            return bool(cursor.rowcount)

        return await self.db.write(write)

    async def live_push_subscriptions(
        self, account_ids: Iterable[int], now: datetime
    ) -> list[PushSubscription]:
        wanted = list(dict.fromkeys(account_ids))
        if not wanted:
            return []
        rows = await self.db.fetchall(
            "SELECT p.*, t.revoked_at AS token_revoked_at, t.expires_at AS token_expires_at"
            " FROM push_subscriptions p JOIN tokens t ON t.id = p.token_id"
            f" WHERE p.account_id IN ({placeholders(wanted)}) ORDER BY p.id",
            wanted,
        )
        live = []
        for row in rows:
            expires = dt(row["token_expires_at"])
            if row["token_revoked_at"] is None and (expires is None or now < expires):
                live.append(subscription_from_row(row))
        return live

    async def get_push_subscriptions(
        self, subscription_ids: Iterable[int]
    ) -> dict[int, PushSubscription]:
        wanted = list(dict.fromkeys(subscription_ids))
        if not wanted:
            return {}
        rows = await self.db.fetchall(
            f"SELECT * FROM push_subscriptions WHERE id IN ({placeholders(wanted)})", wanted
        )
        return {row["id"]: subscription_from_row(row) for row in rows}

    async def record_events(self, events: Sequence[Event], available_at: datetime) -> None:
        if not events:
            return

        async def write(tx: aiosqlite.Connection) -> None:
            for event in events:
                await record_event(tx, event, available_at)

        await self.db.write(write)

    async def claim_instance_secret(self, name: str, value: str) -> str:
        async def write(tx: aiosqlite.Connection) -> None:
            await tx.execute(
                "INSERT OR IGNORE INTO instance_secrets(name, value) VALUES (?, ?)", (name, value)
            )

        await self.db.write(write)
        row = await self.db.fetchone("SELECT value FROM instance_secrets WHERE name = ?", (name,))
        assert row is not None
        return str(row["value"])
