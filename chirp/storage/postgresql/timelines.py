"""Home feeds on PostgreSQL: fan-out on write into the narrow `home_feed` table.

A fan-out plans its work as the SQLite store does (`SqliteTimelines._pieces`: one author's tweets
grouped, followers in follow-id ranges of a few thousand), and writes each range with one
`INSERT ... SELECT` from `follows` joined with the tweets' ids (`unnest`), `ON CONFLICT DO
NOTHING`: the rows are made inside the server, the follower list never travels to Python and
back, and a retried fan-out writes nothing twice. Entries of different tweets are different
keys, so fan-outs of several nodes, and posts, run side by side with no lock between them.

Trims run apart from the fan-out (the dispatcher batches the feeds a fan-out grew), a chunk of
feeds per statement: each feed's cap-th newest entry is found by its index and everything older
deleted by key range in the same statement. Deleting in batches, away from the insert path,
keeps the dead tuples on few pages, which autovacuum (tuned on the table) cleans up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from chirp.core.ports.timelines import FanOut
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.timelines import TRIM_CHUNK, SqliteTimelines, _Piece, _plain


def _skipping(owners: frozenset[int]) -> tuple[str, list[Any]]:
    if not owners:
        return "", []
    return " AND f.account_id <> ALL(CAST(? AS BIGINT[]))", [sorted(owners)]


class PgTimelines(SqliteTimelines, SqliteBase):
    def _write_pieces(
        self, pieces: Sequence[_Piece], reached: dict[int, list[int]]
    ) -> Callable[[Any], Awaitable[None]]:
        async def write(tx: Any) -> None:
            # Tweets deleted since they were planned get no entries.
            ids = list({r.status.id: None for piece in pieces for r in piece.requests})
            cursor = await tx.execute(
                "SELECT id FROM statuses WHERE id = ANY(CAST(? AS BIGINT[]))", (ids,)
            )
            alive = {row[0] for row in await cursor.fetchall()}
            for piece in pieces:
                requests = [r for r in piece.requests if r.status.id in alive]
                if not requests:
                    continue
                if not piece.followers:
                    await self._write_owners(tx, requests[0], piece.owners, reached)
                elif _plain(requests[0]):
                    await self._write_followers(tx, piece, requests, reached)
                else:
                    await self._write_filtered(tx, piece, requests[0], reached)

        return write

    async def _write_followers(
        self, tx: Any, piece: _Piece, requests: list[FanOut], reached: dict[int, list[int]]
    ) -> None:
        author_id = requests[0].status.account_id
        bounds, params = self._follow_range(piece)
        skip, skipped = _skipping(frozenset().union(*(r.skip_owner_ids for r in requests)))
        bounds += skip
        params += skipped
        cursor = await tx.execute(
            "WITH written AS (INSERT INTO home_feed(owner_id, status_id, author_id, reblog_of_id)"
            " SELECT f.account_id, v.status_id, f.target_account_id, NULL"
            " FROM follows f CROSS JOIN unnest(CAST(? AS BIGINT[])) AS v(status_id)"
            f" WHERE f.target_account_id = ?{bounds}"
            " ON CONFLICT DO NOTHING RETURNING 1)"
            " SELECT (SELECT count(*) FROM written),"
            f" ARRAY(SELECT f.account_id FROM follows f WHERE f.target_account_id = ?{bounds})",
            [[r.status.id for r in requests], author_id, *params, author_id, *params],
        )
        row = await cursor.fetchone()
        # As in the SQLite store: a retry that found every entry there reached nobody new;
        # otherwise the range counts whole.
        if row is None or row[0] == 0:
            return
        for request in requests:
            reached[request.status.id] += row[1]

    async def _write_filtered(
        self, tx: Any, piece: _Piece, request: FanOut, reached: dict[int, list[int]]
    ) -> None:
        status = request.status
        bounds, params = self._follow_range(piece)
        skip, skipped = _skipping(request.skip_owner_ids)
        bounds += skip
        params += skipped
        sql = (
            "INSERT INTO home_feed(owner_id, status_id, author_id, reblog_of_id)"
            " SELECT f.account_id, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT)"
            f" FROM follows f WHERE f.target_account_id = ?{bounds}"
        )
        params = [status.id, status.account_id, status.reblog_of_id, status.account_id, *params]
        if status.reblog_of_id is not None:
            sql += " AND f.show_reblogs = 1 AND f.account_id != ?"
            params.append(request.original_author_id or 0)
        if status.in_reply_to_account_id not in (None, status.account_id):
            sql += (
                " AND (f.account_id = ? OR EXISTS (SELECT 1 FROM follows g"
                " WHERE g.account_id = f.account_id AND g.target_account_id = ?))"
            )
            params += [status.in_reply_to_account_id, status.in_reply_to_account_id]
        cursor = await tx.execute(sql + " ON CONFLICT DO NOTHING RETURNING owner_id", params)
        reached[status.id] += [row[0] for row in await cursor.fetchall()]

    async def _write_owners(
        self, tx: Any, request: FanOut, owners: Sequence[int], reached: dict[int, list[int]]
    ) -> None:
        status = request.status
        cursor = await tx.execute(
            "INSERT INTO home_feed(owner_id, status_id, author_id, reblog_of_id)"
            " SELECT o, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT)"
            " FROM unnest(CAST(? AS BIGINT[])) AS o ON CONFLICT DO NOTHING RETURNING owner_id",
            (status.id, status.account_id, status.reblog_of_id, list(owners)),
        )
        reached[status.id] += [row[0] for row in await cursor.fetchall()]

    async def trim_home_feeds(self, owner_ids: Iterable[int], cap: int, slack: int = 0) -> int:
        owners = list(dict.fromkeys(owner_ids))
        # A feed is cut only once it holds more than cap + slack entries (the entry at that
        # offset exists), then back to its cap newest.
        longer = (
            " AND EXISTS (SELECT 1 FROM home_feed h WHERE h.owner_id = o.owner_id"
            " ORDER BY h.status_id DESC OFFSET ? LIMIT 1)"
            if slack
            else ""
        )
        sql = (
            "WITH cut AS (SELECT o.owner_id, (SELECT h.status_id FROM home_feed h"
            " WHERE h.owner_id = o.owner_id ORDER BY h.status_id DESC OFFSET ? LIMIT 1) AS below"
            f" FROM unnest(CAST(? AS BIGINT[])) AS o(owner_id) WHERE TRUE{longer})"
            " DELETE FROM home_feed h USING cut"
            " WHERE h.owner_id = cut.owner_id AND h.status_id < cut.below"
        )
        removed = 0
        for start in range(0, len(owners), TRIM_CHUNK):
            chunk = owners[start : start + TRIM_CHUNK]
            params = [cap - 1, chunk, *([cap + slack] if slack else [])]
            async with self.feeds.transaction() as tx:
                removed += (await tx.execute(sql, params)).rowcount
        return removed
