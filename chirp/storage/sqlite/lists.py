"""Lists in SQLite: `lists`, their members (`list_accounts`) and timelines (`list_feed`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from chirp.core.models import Page, UserList
from chirp.core.ports.timelines import FanOut
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts
from chirp.storage.sqlite.db import placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order

_COLUMNS = "id, account_id, title, replies_policy, exclusive"


def _list(row: Any) -> UserList:
    return UserList(
        id=row[0], account_id=row[1], title=row[2], replies_policy=row[3], exclusive=bool(row[4])
    )


async def write_list_entries(tx: Any, requests: Sequence[FanOut]) -> None:
    """The list timelines' entries of a fan-out, in the caller's transaction of the main file:
    only for tweets and lists that still exist (a delete or a list's removal may have come
    between the plan and now)."""
    rows = [(i, r.status.id, r.status.account_id) for r in requests for i in r.list_ids]
    if not rows:
        return
    await tx.execute(
        "INSERT OR IGNORE INTO list_feed(list_id, status_id, author_id)"
        " SELECT e.value ->> 0, e.value ->> 1, e.value ->> 2 FROM json_each(?) e"
        " WHERE EXISTS (SELECT 1 FROM statuses WHERE id = e.value ->> 1)"
        " AND EXISTS (SELECT 1 FROM lists WHERE id = e.value ->> 0)",
        (json.dumps(rows),),
    )


async def remove_unfollowed_from_lists(tx: Any, owner_id: int, author_id: int) -> None:
    """An unfollow takes the account out of the follower's lists, with its entries."""
    owned = "SELECT id FROM lists WHERE account_id = ?"
    await tx.execute(
        f"DELETE FROM list_feed WHERE author_id = ? AND list_id IN ({owned})", (author_id, owner_id)
    )
    await tx.execute(
        f"DELETE FROM list_accounts WHERE account_id = ? AND list_id IN ({owned})",
        (author_id, owner_id),
    )


class SqliteLists(SqliteBase):
    async def create_list(self, user_list: UserList) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO lists({_COLUMNS}) VALUES (?,?,?,?,?)",
                (
                    user_list.id,
                    user_list.account_id,
                    user_list.title,
                    user_list.replies_policy,
                    int(user_list.exclusive),
                ),
            )

    async def get_list(self, list_id: int) -> UserList | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM lists WHERE id = ?", (list_id,))
        return _list(row) if row else None

    async def get_lists(self, owner_id: int) -> list[UserList]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM lists WHERE account_id = ? ORDER BY id", (owner_id,)
        )
        return [_list(row) for row in rows]

    async def update_list(self, user_list: UserList) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ?",
                (
                    user_list.title,
                    user_list.replies_policy,
                    int(user_list.exclusive),
                    user_list.id,
                ),
            )
            return cursor.rowcount == 1

    async def delete_list(self, list_id: int) -> bool:
        async with self.db.transaction() as tx:  # members and entries cascade
            cursor = await tx.execute("DELETE FROM lists WHERE id = ?", (list_id,))
            return cursor.rowcount == 1

    async def add_list_members(
        self, list_id: int, memberships: Sequence[tuple[int, int]], at: datetime
    ) -> int:
        if not memberships:
            return 0
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO list_accounts(id, list_id, account_id, created_at)"
                " SELECT m.value ->> 0, l.id, m.value ->> 1, ? FROM lists l, json_each(?) m"
                " WHERE l.id = ? AND (m.value ->> 1 = l.account_id OR EXISTS (SELECT 1 FROM follows f"
                " WHERE f.account_id = l.account_id AND f.target_account_id = m.value ->> 1))",
                (ts(at), json.dumps([list(m) for m in memberships]), list_id),
            )
            return int(max(cursor.rowcount, 0))

    async def remove_list_members(self, list_id: int, account_ids: Iterable[int]) -> int:
        wanted = list(dict.fromkeys(account_ids))
        if not wanted:
            return 0
        async with self.db.transaction() as tx:
            await tx.execute(
                f"DELETE FROM list_feed WHERE list_id = ? AND author_id IN ({placeholders(wanted)})",
                (list_id, *wanted),
            )
            cursor = await tx.execute(
                "DELETE FROM list_accounts WHERE list_id = ?"
                f" AND account_id IN ({placeholders(wanted)})",
                (list_id, *wanted),
            )
            return int(max(cursor.rowcount, 0))

    async def list_members(self, list_id: int, page: Page) -> list[tuple[int, int]]:
        bounds, params = page_bounds(page, "account_id")
        sql = f"SELECT account_id, account_id FROM list_accounts WHERE list_id = ? AND {bounds}"
        sql += f" ORDER BY account_id {page_order(page)}"
        args: list[Any] = [list_id, *params]
        if page.limit > 0:
            sql += " LIMIT ?"
            args.append(page.limit)
        rows = await self.db.fetchall(sql, args)
        return [(row[0], row[1]) for row in newest_first(page, rows)]

    async def member_lists(self, account_ids: Iterable[int]) -> dict[int, list[UserList]]:
        wanted = list(dict.fromkeys(account_ids))
        if not wanted:
            return {}
        rows = await self.db.fetchall(
            f"SELECT m.account_id, {', '.join('l.' + c for c in _COLUMNS.split(', '))}"
            " FROM list_accounts m JOIN lists l ON l.id = m.list_id"
            f" WHERE m.account_id IN ({placeholders(wanted)}) ORDER BY l.id",
            wanted,
        )
        found: dict[int, list[UserList]] = {}
        for row in rows:
            found.setdefault(row[0], []).append(_list(row[1:]))
        return found

    async def lists_with_members(
        self, owner_id: int, account_ids: Iterable[int]
    ) -> dict[int, list[UserList]]:
        wanted = list(dict.fromkeys(account_ids))
        if not wanted:
            return {}
        rows = await self.db.fetchall_now(  # by the owner's lists' index, a handful of rows
            f"SELECT m.account_id, {', '.join('l.' + c for c in _COLUMNS.split(', '))} FROM lists l"
            " JOIN list_accounts m ON m.list_id = l.id"
            f" WHERE l.account_id = ? AND m.account_id IN ({placeholders(wanted)}) ORDER BY l.id",
            (owner_id, *wanted),
        )
        found: dict[int, list[UserList]] = {}
        for row in rows:
            found.setdefault(row[0], []).append(_list(row[1:]))
        return found

    async def list_timeline(self, list_id: int, page: Page) -> list[int]:
        bounds, params = page_bounds(page, "status_id")
        rows = await self.db.fetchall(
            f"SELECT status_id FROM list_feed WHERE list_id = ? AND {bounds}"
            f" ORDER BY status_id {page_order(page)} LIMIT ?",
            (list_id, *params, page.limit),
        )
        return [row[0] for row in newest_first(page, rows)]

    async def trim_list_feeds(self, list_ids: Iterable[int], cap: int) -> int:
        wanted = list(dict.fromkeys(list_ids))
        if not wanted:
            return 0
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM list_feed WHERE (list_id, status_id) IN"
                " (SELECT f.list_id, f.status_id FROM json_each(?) l JOIN list_feed f"
                " ON f.list_id = l.value WHERE f.status_id < (SELECT status_id FROM list_feed"
                " WHERE list_id = l.value ORDER BY status_id DESC LIMIT 1 OFFSET ?))",
                (json.dumps(wanted), cap - 1),
            )
            return int(max(cursor.rowcount, 0))

    async def remove_from_list_feeds(self, status_ids: Iterable[int]) -> int:
        wanted = list(dict.fromkeys(status_ids))
        if not wanted:
            return 0
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                f"DELETE FROM list_feed WHERE status_id IN ({placeholders(wanted)})", wanted
            )
            return int(max(cursor.rowcount, 0))
