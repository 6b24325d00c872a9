"""The follow graph in SQLite; account counters move in the same transaction."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from typing import Any

from chirp.core.ids import id_time
from chirp.core.models import Event, Follow, FollowRequest, Page
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.follows import Relationship
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import placeholders
from chirp.storage.sqlite.lists import remove_unfollowed_from_lists
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order
from chirp.storage.sqlite.statuses import record_event

# Accounts per statement asking who among them follows an account.
FOLLOWING_AMONG_CHUNK = 5_000

log = logging.getLogger(__name__)


async def require_pair(tx: Any, account_id: int, target_account_id: int) -> None:
    """`MissingRecord` unless both accounts of an edge exist (in the caller's transaction)."""
    async with tx.execute(
        "SELECT count(*) FROM accounts WHERE id IN (?, ?)", (account_id, target_account_id)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None or row[0] != 2:
        raise MissingRecord("account")


def languages_text(languages: tuple[str, ...] | None) -> str | None:
    """A follow's languages as stored: a JSON array, NULL for every language."""
    return json.dumps(list(languages)) if languages else None


def languages_of(text: str | None) -> tuple[str, ...] | None:
    return tuple(json.loads(text)) if text else None


def follow_options(follow: Follow | FollowRequest) -> tuple[int, int, str | None]:
    """(show_reblogs, notify, languages) as the follows and follow_requests columns hold them."""
    return int(follow.show_reblogs), int(follow.notify), languages_text(follow.languages)


async def set_options(db: Any, table: str, follow: Follow | FollowRequest) -> bool:
    """Store a follow's (`follows`) or a request's (`follow_requests`) options on its row;
    False if there is none."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            f"UPDATE {table} SET show_reblogs = ?, notify = ?, languages = ?"
            " WHERE account_id = ? AND target_account_id = ?",
            (*follow_options(follow), follow.account_id, follow.target_account_id),
        )
        return bool(cursor.rowcount == 1)


def follow_from_row(row: Any) -> Follow:
    return Follow(
        id=row["id"],
        account_id=row["account_id"],
        target_account_id=row["target_account_id"],
        created_at=req_dt(row["created_at"]),
        show_reblogs=bool(row["show_reblogs"]),
        notify=bool(row["notify"]),
        languages=languages_of(row["languages"]),
    )


async def insert_follow(tx: Any, follow: Follow) -> bool:
    """The edge and both accounts' counters, in the caller's transaction; False if it exists."""
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO follows(id, account_id, target_account_id, created_at,"
        " show_reblogs, notify, languages) VALUES (?,?,?,?,?,?,?)",
        (
            follow.id,
            follow.account_id,
            follow.target_account_id,
            ts(follow.created_at),
            *follow_options(follow),
        ),
    )
    if cursor.rowcount != 1:
        return False
    await tx.execute(
        "UPDATE accounts SET following_count = following_count + 1 WHERE id = ?",
        (follow.account_id,),
    )
    await tx.execute(
        "UPDATE accounts SET followers_count = followers_count + 1 WHERE id = ?",
        (follow.target_account_id,),
    )
    return True


class SqliteFollows(SqliteBase):
    async def add_follow(self, follow: Follow, *, event: Event) -> bool:
        async with self.db.transaction() as tx:
            await require_pair(tx, follow.account_id, follow.target_account_id)
            if not await insert_follow(tx, follow):
                return False
            await record_event(tx, event, follow.created_at)
            return True

    async def set_follow_options(self, follow: Follow) -> bool:
        return await set_options(self.db, "follows", follow)

    async def remove_follow(self, account_id: int, target_account_id: int, *, event: Event) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM follows WHERE account_id = ? AND target_account_id = ?",
                (account_id, target_account_id),
            )
            if cursor.rowcount != 1:
                return False
            await tx.execute(
                "UPDATE accounts SET following_count = max(0, following_count - 1) WHERE id = ?",
                (account_id,),
            )
            await tx.execute(
                "UPDATE accounts SET followers_count = max(0, followers_count - 1) WHERE id = ?",
                (target_account_id,),
            )
            await remove_unfollowed_from_lists(tx, account_id, target_account_id)
            await record_event(tx, event, id_time(event.id))
        # The feed is in its own file, so its entries go in a transaction of their own: now,
        # and again from the unfollow's event (should this fail, or the process stop first).
        try:
            await self.remove_unfollowed_from_feed(account_id, target_account_id)
        except sqlite3.Error:
            log.warning(
                "feed cleanup after an unfollow failed; its event retries it", exc_info=True
            )
        return True

    async def remove_unfollowed_from_feed(self, owner_id: int, author_id: int) -> int:
        async def remove(tx: Any) -> int:
            # Unless the follow is back (its merge may have brought entries back meanwhile).
            cursor = await tx.execute(
                "DELETE FROM home_feed WHERE owner_id = ?1 AND author_id = ?2 AND NOT EXISTS"
                " (SELECT 1 FROM follows WHERE account_id = ?1 AND target_account_id = ?2)",
                (owner_id, author_id),
            )
            return int(max(cursor.rowcount, 0))

        return await self.feeds.write(remove)

    async def get_relationships(
        self, account_id: int, target_ids: Iterable[int]
    ) -> dict[int, Relationship]:
        ids = list(dict.fromkeys(target_ids))
        result = {target: Relationship() for target in ids}
        if not ids:
            return result
        marks = placeholders(ids)
        rows = await self.db.fetchall_now(
            f"SELECT * FROM follows WHERE account_id = ? AND target_account_id IN ({marks})"
            f" UNION ALL SELECT * FROM follows WHERE target_account_id = ? AND account_id IN ({marks})",
            [account_id, *ids, account_id, *ids],
        )
        for row in rows:
            if row["account_id"] == account_id:
                result[row["target_account_id"]].following = follow_from_row(row)
            if row["target_account_id"] == account_id:
                result[row["account_id"]].followed_by = True
        return result

    async def _follow_pairs(self, sql: str, key: int, page: Page) -> list[tuple[int, int]]:
        bounds, params = page_bounds(page, "id")
        rows = await self.db.fetchall(
            sql.format(bounds=bounds, order=page_order(page)), [key, *params, page.limit]
        )
        return [(row[0], row[1]) for row in newest_first(page, rows)]

    async def list_followers(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._follow_pairs(
            "SELECT id, account_id FROM follows WHERE target_account_id = ? AND {bounds} ORDER BY id {order} LIMIT ?",
            account_id,
            page,
        )

    async def follower_ids(self, account_id: int) -> list[int]:
        # The version of the account's follower set first (one indexed value, inline); the list
        # itself only if it changed since this process last read it (`FollowerLists`).
        row = await self.db.fetchone_now(
            "SELECT followers_version FROM accounts WHERE id = ?", (account_id,)
        )
        if row is None:
            return []
        kept = self.follower_lists.get(account_id, row[0])
        if kept is not None:
            return kept
        # One text value built in C (a row object per follower cost more than the query, and
        # the GIL while the loop is busy): a big account's 5,000 followers are a 40 KB string.
        # The version comes from the same read as the list.
        row = await self.db.fetchone(
            "SELECT followers_version, (SELECT group_concat(account_id) FROM follows"
            " WHERE target_account_id = ?1) FROM accounts WHERE id = ?1",
            (account_id,),
        )
        if row is None:
            return []
        followers = list(map(int, row[1].split(","))) if row[1] else []
        self.follower_lists.keep(account_id, row[0], followers)
        return followers

    async def following_among(self, target_account_id: int, account_ids: Iterable[int]) -> set[int]:
        ids = list(dict.fromkeys(account_ids))
        found: set[int] = set()
        for start in range(0, len(ids), FOLLOWING_AMONG_CHUNK):
            rows = await self.db.fetchall(
                "SELECT f.account_id FROM json_each(?) e JOIN follows f"
                " ON f.account_id = e.value AND f.target_account_id = ?",
                (json.dumps(ids[start : start + FOLLOWING_AMONG_CHUNK]), target_account_id),
            )
            found.update(row[0] for row in rows)
        return found

    async def followers_with_options(self, account_id: int) -> list[Follow]:
        # The condition of the partial index `follows_with_options`, word for word.
        rows = await self.db.fetchall(
            "SELECT * FROM follows WHERE target_account_id = ?"
            " AND (show_reblogs = 0 OR notify = 1 OR languages IS NOT NULL)",
            (account_id,),
        )
        return [follow_from_row(row) for row in rows]

    async def list_following(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._follow_pairs(
            "SELECT id, target_account_id FROM follows WHERE account_id = ? AND {bounds} ORDER BY id {order} LIMIT ?",
            account_id,
            page,
        )

    async def list_popular_followees(self, account_id: int, min_followers: int) -> list[int]:
        # From the accounts above the threshold (`accounts_by_followers`; few by design: each has
        # the threshold's thousands of followers), one probe of the reader's follows each. Not
        # from the reader's follows (50-200 account lookups a page, ~50 us): run inline.
        rows = await self.db.fetchall_now(
            "SELECT target_account_id FROM follows WHERE account_id = ?1 AND target_account_id IN"
            " (SELECT id FROM accounts WHERE followers_count >= ?2)",
            (account_id, min_followers),
        )
        return [row[0] for row in rows]
