"""Home feeds (fan-out on write, capped), and the account, public and hashtag timelines."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from chirp.core.models import Page, Status
from chirp.core.ports.timelines import AccountFilter, FanOut
from chirp.core.text import tag_key
from chirp.storage.shared import FanOutOne
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.db import Database, placeholders, statement
from chirp.storage.sqlite.lists import write_list_entries
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order

# Feeds and feed rows per write transaction. A batch of tweets fans out in chunks of feeds, each
# chunk in one statement for all the tweets of the batch with the same audience (one author's),
# and small fan-outs share a transaction. The feeds have their own file (`SqliteStore.open`), so these transactions hold
# up only other feed writes (an unfollow, a trim, a follow's merge): 50,000 rows is ~50 ms of
# the feeds' writer. Bigger transactions mean fewer statements, and each statement's return to
# Python waits for the GIL held by a busy event loop (with the feeds in the main file, posts
# queued behind the fan-out, and ranges of 1,000 feeds kept their wait short). Rows of one feed
# are neighbours: a burst of one author's tweets writes many per feed, and fewer, larger
# transactions commit fewer pages for them.
FAN_OUT_FEEDS = 5_000
FAN_OUT_ROWS = 50_000
# Feeds measured (and trimmed) per write transaction: ~0.15 ms each (a walk down 800 entries,
# then the range deletes), so ~30 ms a transaction.
TRIM_CHUNK = 200
# Tweets per statement: three bound parameters each, and a statement takes at most 32,766.
TWEETS_PER_STATEMENT = 5_000


@dataclass(frozen=True, slots=True)
class _Piece:
    """Part of a fan-out, written by one statement: `requests` (tweets with the same audience,
    as one author's tweets of a batch) to a chunk of their home feeds."""

    requests: tuple[FanOut, ...]
    owners: tuple[int, ...]

    @property
    def rows(self) -> int:
        return len(self.requests) * len(self.owners)


async def follower_ranges(
    db: Database, author_id: int, per: int
) -> tuple[list[int | None], list[int]]:
    """An author's followers in follow-id ranges of `per`: the edges (every per-th follow id;
    the ranges (edge, next edge] cover all ids, so a follow made meanwhile is in one of them,
    the last) and the number of followers in each range."""
    marks = await db.fetchall(
        "SELECT id, n, total FROM (SELECT id, row_number() OVER (ORDER BY id) AS n,"
        " count(*) OVER () AS total FROM follows WHERE target_account_id = ?)"
        " WHERE n % ? = 0 OR n = total",
        (author_id, per),
    )
    total = marks[-1][2] if marks else 0
    bounds = [row[0] for row in marks if row[1] % per == 0 and row[1] < total]
    return [None, *bounds, None], [per] * len(bounds) + [total - per * len(bounds)]


async def remove_from_feeds(db: Database, feeds: Database, statuses: Sequence[Status]) -> None:
    """Take deleted tweets out of the home feeds that can hold them: their authors' followers',
    the mentioned accounts' (direct tweets) and their tags' followers'. In follower ranges of
    FAN_OUT_FEEDS per write transaction, as the fan-out wrote them; the tweets are gone
    already, so readers skip any entry still there meanwhile, and no fan-out can add one back."""
    for status in statuses:
        edges, _ = await follower_ranges(db, status.account_id, FAN_OUT_FEEDS)
        for after, upto in pairwise(edges):
            owners = "SELECT f.account_id FROM follows f WHERE f.target_account_id = ?"
            params: list[Any] = [status.id, status.account_id]
            if after is not None:
                owners += " AND f.id > ?"
                params.append(after)
            if upto is not None:
                owners += " AND f.id <= ?"
                params.append(upto)
            else:
                if status.mention_ids:
                    owners += f" UNION VALUES {','.join('(?)' for _ in status.mention_ids)}"
                    params += status.mention_ids
                if status.tags:  # hashtag followers the audience rule may have given it to
                    keys = list(dict.fromkeys(tag_key(name) for name in status.tags))
                    owners += (
                        " UNION SELECT account_id FROM tag_follows"
                        f" WHERE name_key IN ({placeholders(keys)})"
                    )
                    params += keys
            await feeds.write(
                statement(
                    f"DELETE FROM home_feed WHERE status_id = ? AND owner_id IN ({owners})", params
                )
            )


def _pieces(requests: Sequence[FanOut], feeds: int, rows: int) -> list[_Piece]:
    """Tweets with the same feeds (one author's tweets of a batch, whose audience is the same)
    share their statements: each feed page is then written once for the group instead of once
    per tweet (a page per follower per tweet was most of the cost). Their feeds go in chunks
    of at most `feeds` feeds and `rows` entries."""
    groups: dict[tuple[int, ...], list[FanOut]] = {}
    for request in requests:
        owners = tuple(dict.fromkeys(request.owner_ids))
        if owners:
            groups.setdefault(owners, []).append(request)
    pieces = []
    for owners, group in groups.items():
        for first in range(0, len(group), TWEETS_PER_STATEMENT):
            together = tuple(group[first : first + TWEETS_PER_STATEMENT])
            per = max(1, min(feeds, rows // len(together)))
            for start in range(0, len(owners), per):
                pieces.append(_Piece(together, owners[start : start + per]))
    return pieces


class SqliteTimelines(SqliteBase, FanOutOne):
    fan_out_feeds = FAN_OUT_FEEDS
    fan_out_rows = FAN_OUT_ROWS

    async def fan_out_many(self, requests: Sequence[FanOut]) -> dict[int, list[int]]:
        reached: dict[int, list[int]] = {request.status.id: [] for request in requests}
        transactions: list[list[_Piece]] = [[]]
        rows = feeds = 0
        for piece in _pieces(requests, self.fan_out_feeds, self.fan_out_rows):
            if transactions[-1] and (
                rows + piece.rows > self.fan_out_rows
                or feeds + len(piece.owners) > self.fan_out_feeds
            ):
                transactions.append([])
                rows = feeds = 0
            transactions[-1].append(piece)
            rows += piece.rows
            feeds += len(piece.owners)
        await self._write_feeds(
            [self._write_pieces(pieces, reached) for pieces in transactions if pieces]
        )
        if any(request.list_ids for request in requests):
            # The lists live in the main file (their members go with the follows there).
            async with self.db.transaction() as tx:
                await write_list_entries(tx, requests)
        return reached

    async def _write_feeds(self, bodies: Sequence[Callable[[Any], Awaitable[object]]]) -> None:
        """Feed write transactions, in order: the feeds' file has one writer."""
        await self.feeds.write_each(bodies)

    def _write_pieces(
        self, pieces: Sequence[_Piece], reached: dict[int, list[int]]
    ) -> Callable[[Any], Awaitable[None]]:
        """The write transaction of some pieces."""

        async def write(tx: Any) -> None:
            # Tweets deleted since they were planned get no entries (a delete removes the ones
            # it finds in its own transaction; nothing may come after it).
            alive = await self._alive(
                tx, list({r.status.id: None for piece in pieces for r in piece.requests})
            )
            written: list[tuple[list[FanOut], Sequence[int]]] = []
            for piece in pieces:
                requests = [r for r in piece.requests if r.status.id in alive]
                if requests and await self._write_entries(tx, requests, piece.owners):
                    written.append((requests, piece.owners))
            # Told once the body has run through (a body may be run again, see
            # `PgDatabase.write`). Some entries may have been there already (a follow's merge,
            # a retried batch): a piece counts whole, as if each feed got each tweet now (a row
            # per entry back to Python cost as much as writing it).
            for requests, owners in written:
                for request in requests:
                    reached[request.status.id] += owners

        return write

    @staticmethod
    async def _alive(tx: Any, ids: list[int]) -> set[int]:
        cursor = await tx.execute(  # one value: no step (and GIL hand-off) per tweet
            f"SELECT group_concat(id) FROM statuses WHERE id IN ({placeholders(ids)})", ids
        )
        joined = (await cursor.fetchone() or (None,))[0]
        return set(map(int, joined.split(","))) if joined else set()

    @staticmethod
    async def _write_entries(tx: Any, requests: Sequence[FanOut], owners: Sequence[int]) -> int:
        """Every tweet into every feed, in one statement; returns the entries written."""
        values = ",".join("(?, ?, ?)" for _ in requests)
        entries = [(r.status.id, r.status.account_id, r.status.reblog_of_id) for r in requests]
        cursor = await tx.execute(
            "INSERT OR IGNORE INTO home_feed(owner_id, status_id, author_id, reblog_of_id)"
            " SELECT o.value, v.column1, v.column2, v.column3"
            f" FROM json_each(?) o CROSS JOIN (VALUES {values}) v",
            [json.dumps(list(owners)), *(v for entry in entries for v in entry)],
        )
        return int(max(cursor.rowcount, 0))

    async def trim_home_feeds(self, owner_ids: Iterable[int], cap: int, slack: int = 0) -> int:
        owners = list(dict.fromkeys(owner_ids))
        # Each feed's cap-th entry is found by walking its index; the trigger on `feed_cuts`
        # (feeds migration 0002) then deletes what is older, by key range: a chunk of feeds in
        # two statements instead of one per feed.
        longer = (
            " AND EXISTS (SELECT 1 FROM home_feed WHERE owner_id = o.value"
            " ORDER BY status_id DESC LIMIT 1 OFFSET ?3)"
            if slack  # without slack, finding the cap-th entry says it all
            else ""
        )
        sql = (
            "INSERT INTO feed_cuts(owner_id, below) SELECT owner_id, below FROM (SELECT"
            " o.value AS owner_id, (SELECT status_id FROM home_feed WHERE owner_id = o.value"
            f" ORDER BY status_id DESC LIMIT 1 OFFSET ?2) AS below FROM json_each(?1) o"
            f" WHERE true{longer}) WHERE below IS NOT NULL"
        )
        removed = 0

        def trim(chunk: list[int]) -> Callable[[Any], Awaitable[None]]:
            async def run(tx: Any) -> None:
                nonlocal removed
                before = tx.total_changes
                params = [json.dumps(chunk), cap - 1, *([cap + slack] if slack else [])]
                cursor = await tx.execute(sql, params)
                removed += tx.total_changes - before - cursor.rowcount  # the trigger's deletes
                await tx.execute("DELETE FROM feed_cuts")

            return run

        await self.feeds.write_each(
            [
                trim(owners[start : start + TRIM_CHUNK])
                for start in range(0, len(owners), TRIM_CHUNK)
            ]
        )
        return removed

    async def merge_into_home_feed(
        self, owner_id: int, author_id: int, statuses: Sequence[Status]
    ) -> int:
        entries = json.dumps([[s.id, s.reblog_of_id] for s in statuses])

        async def merge(tx: Any) -> int:
            # Only while the follow stands: an unfollow made since removed what it found, in a
            # transaction of this file before this one or after it.
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO home_feed(owner_id, status_id, author_id, reblog_of_id)"
                " SELECT ?1, e.value ->> 0, ?2, e.value ->> 1 FROM json_each(?3) e"
                " WHERE EXISTS (SELECT 1 FROM statuses WHERE id = e.value ->> 0)"
                " AND EXISTS (SELECT 1 FROM follows WHERE account_id = ?1"
                " AND target_account_id = ?2)",
                (owner_id, author_id, entries),
            )
            return int(max(cursor.rowcount, 0))

        return await self.feeds.write(merge)

    async def home_timeline(self, owner_id: int, page: Page) -> list[int]:
        feed_bounds, feed_params = page_bounds(page, "status_id")
        own_bounds, own_params = page_bounds(page, "id")
        # Two index ranges merged, stopping at the limit: a bounded read, run inline.
        rows = await self.db.fetchall_now(
            f"SELECT status_id AS id FROM home_feed WHERE owner_id = ? AND {feed_bounds}"
            f" UNION SELECT id FROM statuses WHERE account_id = ? AND {own_bounds}"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            [owner_id, *feed_params, owner_id, *own_params, page.limit],
        )
        return [row[0] for row in newest_first(page, rows)]

    async def accounts_timeline(
        self, account_ids: Iterable[int], page: Page, *, visibilities: Sequence[str]
    ) -> list[int]:
        authors = list(dict.fromkeys(account_ids))
        if not authors or not visibilities:
            return []
        bounds, params = page_bounds(page, "id")
        # Sorted across the accounts' ranges (a scan of each): a reader thread.
        rows = await self.db.fetchall(
            f"SELECT id FROM statuses WHERE account_id IN ({placeholders(authors)}) AND {bounds}"
            f" AND visibility IN ({placeholders(visibilities)})"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            [*authors, *params, *visibilities, page.limit],
        )
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
