"""PostgreSQL writes a big fan-out, and the trims, as several transactions side by side on
their own connections: together they reach every follower once, and trim every feed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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
