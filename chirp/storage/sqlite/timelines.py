"""Home feeds (fan-out on write, capped), and the account, public and hashtag timelines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from chirp.core.models import Page
from chirp.core.text import tag_key
from chirp.storage.port import AccountFilter, FanOut
from chirp.storage.shared import FanOutOne
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.db import placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order

# A reply to someone reaches a home feed only if its owner follows that someone too (or it's a
# self-thread): the conversation otherwise makes no sense to them. Mastodon filters the same way.
_REPLY_VISIBLE_TO = (
    "({s}.in_reply_to_account_id IS NULL OR {s}.in_reply_to_account_id = {s}.account_id"
    " OR {s}.in_reply_to_account_id = {owner}"
    " OR EXISTS (SELECT 1 FROM follows g WHERE g.account_id = {owner}"
    " AND g.target_account_id = {s}.in_reply_to_account_id))"
)


# Feed rows per write transaction. A tweet fans out in follower-id ranges of this size, and small
# fan-outs share a transaction: each holds the single writer ~5 ms, so a tweet being posted (or
# a like) never queues long behind the fan-out of a big account, while a feed page touched by
# several small fan-outs is still written once per transaction.
FAN_OUT_ROWS = 1_000
TRIM_CHUNK = 250


@dataclass(frozen=True, slots=True)
class _Piece:
    """Part of one tweet's fan-out: its followers with ids in (after, upto], and/or its explicit
    owners; `rows` is an upper bound of the feed rows it writes."""

    request: FanOut
    after: int | None
    upto: int | None
    followers: bool
    owners: bool
    rows: int


class SqliteTimelines(SqliteBase, FanOutOne):
    async def fan_out_many(self, requests: Sequence[FanOut]) -> dict[int, list[int]]:
        reached: dict[int, list[int]] = {request.status.id: [] for request in requests}
        batch: list[_Piece] = []
        rows = 0
        for request in requests:
            for piece in await self._pieces(request):
                if batch and rows + piece.rows > FAN_OUT_ROWS:
                    await self._write_pieces(batch, reached)
                    batch, rows = [], 0
                batch.append(piece)
                rows += piece.rows
        if batch:
            await self._write_pieces(batch, reached)
        return reached

    async def _pieces(self, request: FanOut) -> list[_Piece]:
        owners = len(set(request.owner_ids))
        if not request.to_followers:
            return [_Piece(request, None, None, False, True, owners)] if owners else []
        # Every FAN_OUT_ROWS-th follower id bounds a range; the ranges cover all ids, so a
        # follow made meanwhile is in one of them.
        marks = await self.db.fetchall(
            "SELECT account_id, n, total FROM (SELECT account_id,"
            " row_number() OVER (ORDER BY account_id) AS n, count(*) OVER () AS total"
            " FROM follows WHERE target_account_id = ?) WHERE n % ? = 0 OR n = total",
            (request.status.account_id, FAN_OUT_ROWS),
        )
        total = marks[-1][2] if marks else 0
        bounds = [row[0] for row in marks if row[1] % FAN_OUT_ROWS == 0 and row[1] < total]
        edges: list[int | None] = [None, *bounds, None]
        pieces = [
            _Piece(request, after, upto, True, False, FAN_OUT_ROWS)
            for after, upto in pairwise(edges)
        ]
        last = total - FAN_OUT_ROWS * len(bounds) + owners
        pieces[-1] = replace(pieces[-1], owners=owners > 0, rows=last)
        return pieces

    async def _write_pieces(self, pieces: Sequence[_Piece], reached: dict[int, list[int]]) -> None:
        async def write(tx: Any) -> None:
            for piece in pieces:
                reached[piece.request.status.id] += await self._write_piece(tx, piece)

        await self.db.write(write)

    async def _write_piece(self, tx: Any, piece: _Piece) -> list[int]:
        request = piece.request
        status = request.status
        touched: list[int] = []
        entry = (status.id, status.account_id, status.reblog_of_id)
        if piece.followers:
            sql = (
                "INSERT OR IGNORE INTO home_feed(owner_id, status_id, author_id, reblog_of_id)"
                " SELECT f.account_id, ?, ?, ? FROM follows f"
                " WHERE f.target_account_id = ? AND EXISTS (SELECT 1 FROM statuses WHERE id = ?)"
            )
            params: list[Any] = [*entry, status.account_id, status.id]
            if piece.after is not None:
                sql += " AND f.account_id > ?"
                params.append(piece.after)
            if piece.upto is not None:
                sql += " AND f.account_id <= ?"
                params.append(piece.upto)
            if status.reblog_of_id is not None:
                sql += " AND f.show_reblogs = 1 AND f.account_id != ?"
                params.append(request.original_author_id or 0)
            if status.in_reply_to_account_id not in (None, status.account_id):
                sql += (
                    " AND (f.account_id = ? OR EXISTS (SELECT 1 FROM follows g"
                    " WHERE g.account_id = f.account_id AND g.target_account_id = ?))"
                )
                params += [status.in_reply_to_account_id, status.in_reply_to_account_id]
            async with tx.execute(sql + " RETURNING owner_id", params) as cursor:
                touched += [row[0] for row in await cursor.fetchall()]
        owners = list(dict.fromkeys(request.owner_ids)) if piece.owners else []
        if owners:
            values = ",".join("(?, ?, ?, ?)" for _ in owners)
            async with tx.execute(
                "INSERT OR IGNORE INTO home_feed(owner_id, status_id, author_id, reblog_of_id)"
                f" SELECT * FROM (VALUES {values}) WHERE EXISTS (SELECT 1 FROM statuses WHERE id = ?)"
                " RETURNING owner_id",
                [v for owner in owners for v in (owner, *entry)] + [status.id],
            ) as cursor:
                touched += [row[0] for row in await cursor.fetchall()]
        return touched

    async def trim_home_feeds(self, owner_ids: Iterable[int], cap: int, slack: int = 0) -> int:
        owners = list(dict.fromkeys(owner_ids))
        removed = 0
        for start in range(0, len(owners), TRIM_CHUNK):
            async with self.db.transaction() as tx:
                cursor = await tx.executemany(
                    "DELETE FROM home_feed WHERE owner_id = ?1 AND status_id < (SELECT status_id"
                    " FROM home_feed WHERE owner_id = ?1 ORDER BY status_id DESC LIMIT 1 OFFSET ?2)"
                    " AND EXISTS (SELECT 1 FROM home_feed WHERE owner_id = ?1"
                    " ORDER BY status_id DESC LIMIT 1 OFFSET ?3)",
                    [(owner, cap - 1, cap + slack) for owner in owners[start : start + TRIM_CHUNK]],
                )
                removed += max(cursor.rowcount, 0)
        return removed

    async def merge_into_home_feed(self, owner_id: int, author_id: int, *, limit: int) -> int:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO home_feed(owner_id, status_id, author_id, reblog_of_id)"
                " SELECT ?, s.id, s.account_id, s.reblog_of_id FROM statuses s"
                " WHERE s.account_id = ? AND s.visibility IN ('public', 'unlisted', 'private')"
                f" AND {_REPLY_VISIBLE_TO.format(s='s', owner='?')}"
                " ORDER BY s.id DESC LIMIT ?",
                (owner_id, author_id, owner_id, owner_id, limit),
            )
            return max(cursor.rowcount, 0)

    async def home_timeline(
        self, owner_id: int, page: Page, *, pull_account_ids: Iterable[int]
    ) -> list[int]:
        feed_bounds, feed_params = page_bounds(page, "status_id")
        sql = f"SELECT status_id AS id FROM home_feed WHERE owner_id = ? AND {feed_bounds}"
        params: list[Any] = [owner_id, *feed_params]
        pulled = [a for a in dict.fromkeys(pull_account_ids) if a != owner_id]
        # The owner's own posts are always pulled, so they show at once, before any fan-out.
        own_bounds, own_params = page_bounds(page, "id")
        sql += f" UNION SELECT id FROM statuses WHERE account_id = ? AND {own_bounds}"
        params += [owner_id, *own_params]
        if pulled:
            pulled_bounds, pulled_params = page_bounds(page, "s.id")
            sql += (
                f" UNION SELECT s.id FROM statuses s WHERE s.account_id IN ({placeholders(pulled)})"
                f" AND {pulled_bounds} AND s.visibility IN ('public', 'unlisted', 'private')"
                f" AND {_REPLY_VISIBLE_TO.format(s='s', owner='?')}"
            )
            params += [*pulled, *pulled_params, owner_id, owner_id]
        # The feed and the owner's own tweets merge two index ranges and stop at the limit: a
        # bounded read, run inline. Pulled accounts' tweets are sorted across accounts (a scan
        # of their ranges): a reader thread.
        fetch = self.db.fetchall if pulled else self.db.fetchall_now
        rows = await fetch(f"{sql} ORDER BY id {page_order(page)} LIMIT ?", [*params, page.limit])
        return [row[0] for row in newest_first(page, rows)]

    async def account_timeline(
        self, account_id: int, page: Page, options: AccountFilter
    ) -> list[int]:
        bounds, params = page_bounds(page, "s.id")
        visible = f"s.visibility IN ({placeholders(options.visibilities)})"
        args: list[Any] = [*options.visibilities]
        if options.include_direct_to is not None:
            visible = (
                f"({visible} OR EXISTS (SELECT 1 FROM status_mentions m"
                " WHERE m.status_id = s.id AND m.account_id = ?))"
            )
            args.append(options.include_direct_to)
        sql = f"SELECT s.id FROM statuses s WHERE s.account_id = ? AND {bounds} AND {visible}"
        args = [account_id, *params, *args]
        if options.exclude_replies:
            sql += " AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)"
        if options.exclude_reblogs:
            sql += " AND s.reblog_of_id IS NULL"
        if options.only_media:
            sql += " AND s.media_ids != ''"
        if options.pinned:
            sql += " AND EXISTS (SELECT 1 FROM pins p WHERE p.status_id = s.id AND p.account_id = s.account_id)"
        if options.tagged:
            sql += (
                " AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id"
                " WHERE st.status_id = s.id AND t.name_key = ?)"
            )
            args.append(tag_key(options.tagged))
        rows = await self.db.fetchall(
            f"{sql} ORDER BY s.id {page_order(page)} LIMIT ?", [*args, page.limit]
        )
        return [row[0] for row in newest_first(page, rows)]

    async def public_timeline(self, page: Page, *, only_media: bool = False) -> list[int]:
        bounds, params = page_bounds(page, "id")
        media = " AND media_ids != ''" if only_media else ""
        rows = await self.db.fetchall(
            f"SELECT id FROM statuses WHERE visibility = 'public' AND reblog_of_id IS NULL AND {bounds}"
            f" AND (in_reply_to_id IS NULL OR in_reply_to_account_id = account_id){media}"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            [*params, page.limit],
        )
        return [row[0] for row in newest_first(page, rows)]

    async def tag_timeline(
        self, tag_names: Iterable[str], page: Page, *, only_media: bool = False
    ) -> list[int]:
        keys = list(dict.fromkeys(tag_key(name) for name in tag_names))
        if not keys:
            return []
        bounds, params = page_bounds(page, "st.status_id")
        media = (
            " AND EXISTS (SELECT 1 FROM statuses s WHERE s.id = st.status_id AND s.media_ids != '')"
            if only_media
            else ""
        )
        rows = await self.db.fetchall(
            "SELECT DISTINCT st.status_id FROM status_tags st JOIN tags t ON t.id = st.tag_id"
            f" WHERE t.name_key IN ({placeholders(keys)}) AND st.public = 1 AND {bounds}{media}"
            f" ORDER BY st.status_id {page_order(page)} LIMIT ?",
            [*keys, *params, page.limit],
        )
        return [row[0] for row in newest_first(page, rows)]
