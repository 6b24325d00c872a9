"""Blocks and mutes between accounts in SQLite (`account_blocks`, `account_mutes`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from chirp.core.models import AccountBlock, AccountMute, Page
from chirp.core.ports.blocks import Shunning
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order


def at(value: datetime) -> str:
    """Fixed-width UTC text: compared as text in SQL, text order being time order."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _mute(row: Any) -> AccountMute:
    return AccountMute(
        id=row[0],
        account_id=row[1],
        target_account_id=row[2],
        notifications=bool(row[3]),
        created_at=req_dt(row[4]),
        expires_at=None if row[5] is None else req_dt(row[5]),
    )


_MUTE = "SELECT id, account_id, target_account_id, notifications, created_at, expires_at"
_IN_FORCE = "(expires_at IS NULL OR expires_at > ?)"


class SqliteBlocks(SqliteBase):
    async def add_block(self, block: AccountBlock) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO account_blocks(id, account_id, target_account_id,"
                " created_at) VALUES (?,?,?,?)",
                (block.id, block.account_id, block.target_account_id, ts(block.created_at)),
            )
            return cursor.rowcount == 1

    async def remove_block(self, account_id: int, target_account_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM account_blocks WHERE account_id = ? AND target_account_id = ?",
                (account_id, target_account_id),
            )
            return cursor.rowcount == 1

    async def list_blocks(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        bounds, params = page_bounds(page, "id")
        rows = await self.db.fetchall(
            f"SELECT id, target_account_id FROM account_blocks WHERE account_id = ? AND {bounds}"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            [account_id, *params, page.limit],
        )
        return [(row[0], row[1]) for row in newest_first(page, rows)]

    async def save_mute(self, mute: AccountMute) -> bool:
        expires = None if mute.expires_at is None else at(mute.expires_at)
        async with self.db.transaction() as tx:
            # An expired mute is replaced whole (a new mute), one in force keeps id and date.
            await tx.execute(
                "DELETE FROM account_mutes WHERE account_id = ? AND target_account_id = ?"
                f" AND NOT {_IN_FORCE}",
                (mute.account_id, mute.target_account_id, at(mute.created_at)),
            )
            cursor = await tx.execute(
                "UPDATE account_mutes SET notifications = ?, expires_at = ?"
                " WHERE account_id = ? AND target_account_id = ?",
                (int(mute.notifications), expires, mute.account_id, mute.target_account_id),
            )
            if cursor.rowcount == 1:
                return False
            await tx.execute(
                "INSERT INTO account_mutes(id, account_id, target_account_id, notifications,"
                " created_at, expires_at) VALUES (?,?,?,?,?,?)",
                (
                    mute.id,
                    mute.account_id,
                    mute.target_account_id,
                    int(mute.notifications),
                    ts(mute.created_at),
                    expires,
                ),
            )
            return True

    async def remove_mute(self, account_id: int, target_account_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM account_mutes WHERE account_id = ? AND target_account_id = ?",
                (account_id, target_account_id),
            )
            return cursor.rowcount == 1

    async def list_mutes(self, account_id: int, page: Page, now: datetime) -> list[AccountMute]:
        bounds, params = page_bounds(page, "id")
        rows = await self.db.fetchall(
            f"{_MUTE} FROM account_mutes WHERE account_id = ? AND {_IN_FORCE} AND {bounds}"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            [account_id, at(now), *params, page.limit],
        )
        return [_mute(row) for row in newest_first(page, rows)]

    async def get_shunning(
        self, account_id: int, other_ids: Iterable[int], now: datetime
    ) -> Shunning:
        ids = list(dict.fromkeys(other_ids))
        found = Shunning()
        if not ids:
            return found
        marks = placeholders(ids)
        rows = await self.db.fetchall_now(
            "SELECT 0, target_account_id, 0 FROM account_blocks"
            f" WHERE account_id = ? AND target_account_id IN ({marks})"
            " UNION ALL SELECT 1, account_id, 0 FROM account_blocks"
            f" WHERE target_account_id = ? AND account_id IN ({marks})"
            " UNION ALL SELECT 2, target_account_id, notifications FROM account_mutes"
            f" WHERE account_id = ? AND target_account_id IN ({marks}) AND {_IN_FORCE}",
            [account_id, *ids, account_id, *ids, account_id, *ids, at(now)],
        )
        for kind, other, notifications in rows:
            if kind == 0:
                found.blocking.add(other)
            elif kind == 1:
                found.blocked_by.add(other)
            else:
                found.muting.add(other)
                if notifications:
                    found.muting_notifications.add(other)
        return found

    async def get_shunners(
        self,
        target_account_id: int,
        account_ids: Iterable[int] | None,
        now: datetime,
        *,
        notifications_only: bool = False,
    ) -> set[int]:
        among, params = "", []
        if account_ids is not None:
            ids = list(dict.fromkeys(account_ids))
            if not ids:
                return set()
            among, params = f" AND account_id IN ({placeholders(ids)})", ids
        muted = " AND notifications = 1" if notifications_only else ""
        rows = await self.db.fetchall(
            f"SELECT account_id FROM account_blocks WHERE target_account_id = ?{among}"
            " UNION SELECT account_id FROM account_mutes WHERE target_account_id = ?"
            f"{among} AND {_IN_FORCE}{muted}",
            [target_account_id, *params, target_account_id, *params, at(now)],
        )
        return {row[0] for row in rows}

    async def get_shunned(self, account_id: int, now: datetime) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT target_account_id FROM account_blocks WHERE account_id = ?"
            " UNION SELECT account_id FROM account_blocks WHERE target_account_id = ?"
            f" UNION SELECT target_account_id FROM account_mutes WHERE account_id = ?"
            f" AND {_IN_FORCE}",
            (account_id, account_id, account_id, at(now)),
        )
        return {row[0] for row in rows}

    async def purge_expired_mutes(self, now: datetime) -> list[int]:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM account_mutes WHERE expires_at IS NOT NULL AND expires_at <= ?"
                " RETURNING account_id",
                (at(now),),
            )
            return list(dict.fromkeys(row[0] for row in await cursor.fetchall()))
