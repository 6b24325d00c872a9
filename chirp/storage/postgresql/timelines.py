"""Home feeds on PostgreSQL: fan-out on write into the narrow `home_feed` table.

A fan-out plans its work as the SQLite store does (`chirp.storage.sqlite.timelines._pieces`:
tweets with the same audience grouped, their feeds in chunks of a few thousand), and writes each
chunk with one `INSERT ... SELECT` of the feeds' ids (`unnest`) joined with the tweets'. A
retried fan-out writes nothing twice: an entry already there fails the plain insert, and the
transaction is run again skipping those (`ON CONFLICT DO NOTHING`, slower, only then). Entries
of different tweets are different keys, so fan-outs of several nodes, and posts, run side by
side with no lock between them.

Trims run apart from the fan-out (the dispatcher batches the feeds a fan-out grew), a chunk of
feeds per statement: each feed's cap-th newest entry is found by its index and everything older
deleted in the same statement, in one order for every trim (`_trim_statement`: the trims of
several processes wait for each other, but never deadlock). Deleting in batches, away from the
insert path, keeps the dead tuples on few pages, which autovacuum (tuned on the table) cleans up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, cast

from chirp.core.ports.timelines import FanOut
from chirp.storage.postgresql.db import PgDatabase
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.timelines import TRIM_CHUNK, SqliteTimelines

# A plain insert: `ON CONFLICT DO NOTHING` inserts each row speculatively (a check, the insert,
# and a confirmation), a large share of the fan-out's time, and conflicts are rare.
_INSERT_ENTRIES = (
    "INSERT INTO home_feed(owner_id, status_id, author_id, reblog_of_id)"
    " SELECT o, v.status_id, v.author_id, v.reblog_of_id"
    " FROM unnest(CAST(? AS BIGINT[])) AS o CROSS JOIN"
    " unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]))"
    " AS v(status_id, author_id, reblog_of_id)"
)


# A fan-out's feeds go in transactions of at most this many entries, that many at once on
# their own connections: each PostgreSQL connection is one process on one core, and entries of
# different feeds take no lock from each other, so a big fan-out uses the database's cores
# instead of one (SQLite's one writer takes them in turn, in bigger transactions).
FAN_OUT_ROWS = 10_000
FEED_WRITES_AT_ONCE = 4


class PgTimelines(SqliteTimelines, SqliteBase):
    fan_out_rows = FAN_OUT_ROWS

    async def _write_feeds(self, bodies: Sequence[Callable[[Any], Awaitable[object]]]) -> None:
        await cast(PgDatabase, self.feeds).write_side_by_side(bodies, FEED_WRITES_AT_ONCE)

    @staticmethod
    async def _alive(tx: Any, ids: list[int]) -> set[int]:
        cursor = await tx.execute(
            "SELECT id FROM statuses WHERE id = ANY(CAST(? AS BIGINT[]))", (ids,)
        )
        return {row[0] for row in await cursor.fetchall()}

    @staticmethod
    async def _write_entries(tx: Any, requests: Sequence[FanOut], owners: Sequence[int]) -> int:
        params = (
            list(owners),
            [r.status.id for r in requests],
            [r.status.account_id for r in requests],
            [r.status.reblog_of_id for r in requests],
        )
        try:
            return int((await tx.execute(_INSERT_ENTRIES, params)).rowcount)
        except sqlite3.IntegrityError:
            # Some entries are there already (a retried batch, a follow's merge that met the
            # fan-out): the transaction is run again with a savepoint around each statement
            # (`PgDatabase.write`), and this one skips them.
            cursor = await tx.execute(_INSERT_ENTRIES + " ON CONFLICT DO NOTHING", params)
            return int(cursor.rowcount)

    async def trim_home_feeds(self, owner_ids: Iterable[int], cap: int, slack: int = 0) -> int:
        owners = list(dict.fromkeys(owner_ids))
        sql = _trim_statement("home_feed", "owner_id", slack)
        removed: list[int] = []

        def trim(chunk: list[int]) -> Callable[[Any], Awaitable[None]]:
            async def body(tx: Any) -> None:
                params = [cap - 1, chunk, *([cap + slack] if slack else [])]
                removed.append((await tx.execute(sql, params)).rowcount)

            return body

        chunks = [owners[i : i + TRIM_CHUNK] for i in range(0, len(owners), TRIM_CHUNK)]
        await self._write_feeds([trim(chunk) for chunk in chunks])
        return sum(removed)

    async def trim_list_feeds(self, list_ids: Iterable[int], cap: int) -> int:
        wanted = list(dict.fromkeys(list_ids))
        if not wanted:
            return 0

        async def trim(tx: Any) -> int:
            cursor = await tx.execute(_trim_statement("list_feed", "list_id"), [cap - 1, wanted])
            return int(max(cursor.rowcount, 0))

        return await self.db.write(trim)


def _trim_statement(table: str, key: str, slack: int = 0) -> str:
    """Each feed's entries below its cap-th newest (found by its index) deleted, for the feeds
    of an array; with `slack`, only feeds holding more than cap + slack entries (the entry at
    that offset exists).

    The entries are found first and deleted by their physical addresses, which PostgreSQL's TID
    scan visits in ascending order: every trim takes its rows' locks in one global order. Two
    processes' dispatchers trim the same feeds at once (an author's followers, as each fans out
    its tweets), and deleting feed by feed, each in its own order, they deadlocked; in one order
    the second only waits for the first's commit, then skips what it deleted. (`SKIP LOCKED`
    would not wait at all, but it locks each row before deleting it: a second write per row.)"""
    longer = (
        f" AND EXISTS (SELECT 1 FROM {table} f WHERE f.{key} = o.id"
        " ORDER BY f.status_id DESC OFFSET ? LIMIT 1)"
        if slack
        else ""
    )
    return (
        f"WITH cut AS (SELECT o.id, (SELECT f.status_id FROM {table} f WHERE f.{key} = o.id"
        " ORDER BY f.status_id DESC OFFSET ? LIMIT 1) AS below"
        f" FROM unnest(CAST(? AS BIGINT[])) AS o(id) WHERE TRUE{longer}),"
        f" doomed AS (SELECT f.ctid AS tid FROM {table} f JOIN cut"
        f" ON f.{key} = cut.id AND f.status_id < cut.below)"
        f" DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT tid FROM doomed))"
    )
