"""PostgreSQL writes a big fan-out, and the trims, as several transactions side by side on
their own connections: together they reach every follower once, and trim every feed."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from chirp.core.models import Page
from chirp.storage import Store
from chirp.storage.postgresql import db as pg_db
from chirp.storage.postgresql import timelines as pg_timelines
from tests.storage.backends import BACKENDS
from tests.storage.factories import (
    check_ranges_keep_the_reply_rule,
    follow,
    make_account,
    planned,
    post,
    ten_followers_two_with_a_friend,
)


@pytest.fixture
async def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Store]:
    monkeypatch.setattr(pg_timelines.PgTimelines, "fan_out_rows", 3)
    monkeypatch.setattr(pg_timelines, "TRIM_CHUNK", 2)
    async with BACKENDS["postgresql"](tmp_path) as opened:
        yield opened


def _watch_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """For each write transaction, how many were running (itself included) when it started."""
    running = 0
    seen: list[int] = []
    write = pg_db.PgDatabase.write

    async def watched(self: Any, body: Any) -> Any:
        nonlocal running
        running += 1
        seen.append(running)
        try:
            await asyncio.sleep(0.01)  # the others start meanwhile, if they may
            return await write(self, body)
        finally:
            running -= 1

    monkeypatch.setattr(pg_db.PgDatabase, "write", watched)
    return seen


async def test_a_big_fan_out_is_written_side_by_side(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = await ten_followers_two_with_a_friend(store)
    seen = _watch_writes(monkeypatch)
    reached = await store.fan_out_many([await planned(store, given.tweet)])
    assert sorted(reached[given.tweet.id]) == sorted(f.id for f in given.followers)
    assert len(seen) == 4  # ranges of 3, 3, 3 and 1 follower(s)
    assert max(seen) == pg_timelines.FEED_WRITES_AT_ONCE  # four at once
    await check_ranges_keep_the_reply_rule(store, given)


async def test_trims_run_side_by_side(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    author = await make_account(store)
    readers = [await make_account(store) for _ in range(5)]
    for reader in readers:
        await follow(store, reader, author)
    tweets = [await post(store, author, f"t{i}") for i in range(4)]
    await store.fan_out_many([await planned(store, t) for t in tweets])
    seen = _watch_writes(monkeypatch)
    assert await store.trim_home_feeds([r.id for r in readers], 2) == 5 * 2
    assert len(seen) == 3  # chunks of 2, 2 and 1 feed(s)
    assert max(seen) == 3
    for reader in readers:
        assert await store.home_timeline(reader.id, Page()) == [t.id for t in tweets[:1:-1]]


async def test_trims_of_the_same_feeds_in_different_orders_do_not_deadlock(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes' dispatchers trim an author's followers' feeds at once, each listing them
    in its own order: deleting feed by feed, they deadlocked. Every trim now locks its rows in
    one order (the server would abort one of a deadlocked pair: here it does not run again)."""
    monkeypatch.setattr(pg_timelines, "TRIM_CHUNK", 1_000)
    monkeypatch.setattr(pg_db, "DEADLOCK_ATTEMPTS", 1)
    author = await make_account(store)
    readers = [await make_account(store) for _ in range(80)]
    for reader in readers:
        await follow(store, reader, author)
    owners = [r.id for r in readers]
    for round_ in range(5):
        tweets = [await post(store, author, f"r{round_}t{i}") for i in range(30)]
        await store.fan_out_many([await planned(store, t) for t in tweets])
        orders = [random.Random(round_ * 8 + i).sample(owners, len(owners)) for i in range(8)]
        await asyncio.gather(*(store.trim_home_feeds(order, 2) for order in orders))
        for reader in readers:
            assert await store.home_timeline(reader.id, Page()) == [t.id for t in tweets[:27:-1]]


async def test_a_transaction_aborted_to_break_a_deadlock_runs_again(store: Store) -> None:
    """Writes that meet rows in opposite orders (an unfollow's cleanup and a trim, say): the
    server aborts one, which runs again once the other commits."""
    author = await make_account(store)
    readers = [await make_account(store) for _ in range(2)]
    for reader in readers:
        await follow(store, reader, author)
    tweet = await post(store, author, "t")
    await store.fan_out_many([await planned(store, tweet)])
    both_locked_one = asyncio.Barrier(2)
    runs: list[int] = []
    lock = "SELECT 1 FROM home_feed WHERE owner_id = ? FOR UPDATE"

    def in_order(first: int, second: int) -> Any:
        async def body(tx: Any) -> None:
            runs.append(first)
            await tx.execute(lock, [first])
            if len(runs) <= 2:  # the first run of each: both hold one row, then want the other
                await both_locked_one.wait()
            await tx.execute(lock, [second])

        return body

    feeds = cast(Any, store).feeds
    a, b = readers[0].id, readers[1].id
    await asyncio.wait_for(
        asyncio.gather(feeds.write(in_order(a, b)), feeds.write(in_order(b, a))), 10
    )
    assert sorted(runs[:2]) == sorted([a, b]) and len(runs) == 3  # one of them ran again
