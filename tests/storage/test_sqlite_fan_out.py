"""SQLite fan-out in follower-id ranges: each write transaction holds a bounded number of feed
rows, and the ranges together reach every follower exactly once, with the usual rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from chirp.core.models import Page
from chirp.storage import Store
from chirp.storage.sqlite import timelines
from tests.storage.backends import BACKENDS
from tests.storage.factories import (
    check_ranges_keep_the_reply_rule,
    event,
    follow,
    make_account,
    planned,
    post,
    ten_followers_two_with_a_friend,
)


@pytest.fixture
async def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Store]:
    monkeypatch.setattr(timelines.SqliteTimelines, "fan_out_rows", 3)
    monkeypatch.setattr(timelines.SqliteTimelines, "fan_out_feeds", 3)
    async with BACKENDS["sqlite-file"](tmp_path) as opened:
        yield opened


async def _count_transactions(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    db = store.feeds  # type: ignore[attr-defined]  # the home feeds' own file
    run = db._run_transaction

    def counted(body):  # type: ignore[no-untyped-def]
        sizes.append(0)
        return run(body)

    monkeypatch.setattr(db, "_run_transaction", counted)
    return sizes


async def test_a_big_fan_out_is_written_in_ranges(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = await ten_followers_two_with_a_friend(store)
    tweet, friend = given.tweet, given.friend
    transactions = await _count_transactions(store, monkeypatch)
    reached = await store.fan_out(
        tweet, owner_ids=[*(await planned(store, tweet)).owner_ids, friend.id]
    )
    assert sorted(reached) == sorted([f.id for f in given.followers] + [friend.id])
    assert len(transactions) == 4  # ranges of 3, 3, 3 and 1 follower(s) (+ the owner)
    await check_ranges_keep_the_reply_rule(store, given)


async def test_small_fan_outs_share_a_transaction(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    authors = [await make_account(store) for _ in range(3)]
    reader = await make_account(store)
    for author in authors:
        await follow(store, reader, author)
    tweets = [await post(store, author) for author in authors]
    transactions = await _count_transactions(store, monkeypatch)
    reached = await store.fan_out_many([await planned(store, t) for t in tweets])
    assert reached == {t.id: [reader.id] for t in tweets}
    assert len(transactions) == 1


async def test_tweets_of_one_author_share_each_follower_range(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    author, other = await make_account(store), await make_account(store)
    followers = [await make_account(store) for _ in range(4)]
    for follower in followers:
        await follow(store, follower, author)
    await follow(store, followers[0], other)
    tweets = [await post(store, author, f"t{i}") for i in range(3)]
    elsewhere = await post(store, other)
    transactions = await _count_transactions(store, monkeypatch)
    reached = await store.fan_out_many([await planned(store, t) for t in (*tweets, elsewhere)])
    # 3 tweets x ranges of FAN_OUT_ROWS // 3 = 1 follower: 4 transactions of 3 rows, and
    # the other author's tweet (1 row) in a fifth.
    assert len(transactions) == 5
    assert {t: sorted(owners) for t, owners in reached.items()} == {
        **{t.id: sorted(f.id for f in followers) for t in tweets},
        elsewhere.id: [followers[0].id],
    }
    for follower in followers[1:]:
        timeline = await store.home_timeline(follower.id, Page())
        assert timeline == [t.id for t in reversed(tweets)]
    assert await store.fan_out_many([await planned(store, t) for t in tweets]) == {
        t.id: [] for t in tweets
    }


async def test_an_edit_that_drops_a_mention_takes_the_direct_tweet_out_of_their_feed(
    store: Store,
) -> None:
    author, kept, dropped = [await make_account(store) for _ in range(3)]
    direct = await post(store, author, visibility="direct", mentions=(kept.id, dropped.id))
    await store.fan_out(direct, owner_ids=[kept.id, dropped.id])
    edited = replace(direct, mention_ids=(kept.id,))
    await store.update_status(edited, history=[], event=event("status.updated"))
    feed = lambda owner: store.home_timeline(owner.id, Page())  # noqa: E731
    assert await feed(dropped) == []
    assert await feed(kept) == [direct.id]
    # A delete looks for its entries in the feeds of the accounts it mentions now.
    await store.delete_status(direct.id, event=lambda _: event())
    assert await feed(kept) == []
