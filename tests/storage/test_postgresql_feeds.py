"""PostgreSQL writes a big fan-out, and the trims, as several transactions side by side on
their own connections: together they reach every follower once, and trim every feed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import pytest

from chirp.core.models import Page, UserList
from chirp.core.ports.timelines import FanOut
from chirp.storage import Store
from chirp.storage.postgresql import db as pg_db
from chirp.storage.postgresql import timelines as pg_timelines
from tests.storage.backends import BACKENDS
from tests.storage.factories import (
    check_ranges_keep_the_reply_rule,
    follow,
    ids,
    make_account,
    now,
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


@asynccontextmanager
async def _holding(store: Store, sql: str, params: list[Any]) -> AsyncIterator[None]:
    """A transaction that locks the rows `sql` selects `FOR UPDATE` while the caller runs (as a
    trim of another process does while it deletes them)."""
    locked, done = asyncio.Event(), asyncio.Event()

    async def hold(tx: Any) -> None:
        await tx.execute(sql, params)
        locked.set()
        await done.wait()

    holder = asyncio.create_task(cast(Any, store).feeds.write(hold))
    await asyncio.wait_for(locked.wait(), 5)
    try:
        yield
    finally:
        done.set()
        await holder


async def test_trims_skip_the_rows_another_transaction_holds(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes' dispatchers trim the same feeds at once, each in its own order: waiting
    for each other's rows was a deadlock. A trim takes what it can and leaves what another
    holds (that one is deleting it); the next trim takes the rest."""
    monkeypatch.setattr(pg_timelines, "TRIM_CHUNK", 100)
    author = await make_account(store)
    readers = [await make_account(store) for _ in range(3)]
    for reader in readers:
        await follow(store, reader, author)
    tweets = [await post(store, author, f"t{i}") for i in range(4)]
    await store.fan_out_many([await planned(store, t) for t in tweets])
    held = readers[1].id
    lock = "SELECT 1 FROM home_feed WHERE owner_id = ? AND status_id = ? FOR UPDATE"
    async with _holding(store, lock, [held, tweets[0].id]):
        trimmed = store.trim_home_feeds([r.id for r in reversed(readers)], 2)
        assert await asyncio.wait_for(trimmed, 5) == 3 * 2 - 1  # not waiting for the held row
    assert await store.home_timeline(held, Page()) == [tweets[3].id, tweets[2].id, tweets[0].id]
    assert await store.trim_home_feeds([held], 2) == 1
    for reader in readers:
        assert await store.home_timeline(reader.id, Page()) == [t.id for t in tweets[:1:-1]]


async def test_list_trims_skip_the_rows_another_transaction_holds(store: Store) -> None:
    owner, member = await make_account(store), await make_account(store)
    await follow(store, owner, member)
    friends = UserList(ids.next_id(), owner.id, "friends", "list", False)
    await store.create_list(friends)
    await store.add_list_members(friends.id, [(ids.next_id(), member.id)], now())
    tweets = [await post(store, member, f"t{i}") for i in range(4)]
    await store.fan_out_many([FanOut(t, list_ids=(friends.id,)) for t in tweets])
    lock = "SELECT 1 FROM list_feed WHERE list_id = ? AND status_id = ? FOR UPDATE"
    async with _holding(store, lock, [friends.id, tweets[0].id]):
        assert await asyncio.wait_for(store.trim_list_feeds([friends.id], 2), 5) == 1
    assert await store.trim_list_feeds([friends.id], 2) == 1
    assert await store.list_timeline(friends.id, Page()) == [t.id for t in tweets[:1:-1]]
