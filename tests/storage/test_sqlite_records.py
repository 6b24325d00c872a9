"""SQLite keeps the tweets and accounts it read, by row version: an unchanged row hands back the
same record, and any update of a row, by this process or another one, is read in full again."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from chirp.storage import Store
from chirp.storage.sqlite import records
from tests.storage.backends import BACKENDS
from tests.storage.factories import event, follow, ids, make_account, now, post


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with BACKENDS["sqlite-file"](tmp_path) as opened:
        yield opened


async def test_an_unchanged_row_hands_back_the_same_record(store: Store) -> None:
    author = await make_account(store)
    tweet = await post(store, author)
    first = await store.get_statuses([tweet.id])
    again = await store.get_statuses([tweet.id])
    assert again[tweet.id] is first[tweet.id] and again[tweet.id] == tweet
    assert (await store.get_accounts([author.id]))[author.id] is (
        await store.get_accounts([author.id])
    )[author.id]


async def test_every_kind_of_update_is_read_again(store: Store) -> None:
    author, fan = await make_account(store), await make_account(store)
    tweet = await post(store, author)
    await store.get_statuses([tweet.id])
    await store.get_accounts([author.id, fan.id])

    assert await store.add_favourite(ids.next_id(), fan.id, tweet.id, event=event())
    assert (await store.get_statuses([tweet.id]))[tweet.id].favourites_count == 1
    await post(store, fan, reply_to=tweet)
    await post(store, fan, reblog_of=tweet)
    await post(store, fan, quote_of=tweet)
    counted = (await store.get_statuses([tweet.id]))[tweet.id]
    assert (counted.replies_count, counted.reblogs_count, counted.quotes_count) == (1, 1, 1)

    edited = replace(tweet, content="<p>edited</p>", text="edited", edited_at=now())
    await store.update_status(edited, history=[], event=event())
    assert (await store.get_statuses([tweet.id]))[tweet.id].content == "<p>edited</p>"

    await follow(store, fan, author)
    renamed = await store.update_account_profile(author.id, updated_at=now(), display_name="New")
    assert renamed is not None
    accounts = await store.get_accounts([author.id, fan.id])
    assert accounts[author.id].display_name == "New"
    assert accounts[author.id].followers_count == 1
    assert accounts[fan.id].following_count == 1 and accounts[fan.id].statuses_count == 3

    await store.delete_status(tweet.id, event=lambda _: event())
    assert await store.get_statuses([tweet.id]) == {}


async def test_a_write_by_another_process_is_read_at_once(store: Store, tmp_path: Path) -> None:
    author = await make_account(store)
    tweet = await post(store, author)
    await store.get_statuses([tweet.id])
    await store.get_accounts([author.id])
    other = sqlite3.connect(tmp_path / "chirp.db", isolation_level=None)  # the backend's file
    try:  # another node's writes: plain SQL, none of this process's code
        other.execute("UPDATE statuses SET favourites_count = 7 WHERE id = ?", (tweet.id,))
        other.execute("UPDATE accounts SET display_name = 'Elsewhere' WHERE id = ?", (author.id,))
    finally:
        other.close()
    assert (await store.get_statuses([tweet.id]))[tweet.id].favourites_count == 7
    assert (await store.get_accounts([author.id]))[author.id].display_name == "Elsewhere"


async def test_the_kept_records_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "STATUSES", 3)
    async with BACKENDS["sqlite-file"](tmp_path) as store:
        author = await make_account(store)
        tweets = [await post(store, author) for _ in range(5)]
        found = await store.get_statuses(t.id for t in tweets)
        assert sorted(found) == sorted(t.id for t in tweets)
        assert len(store.status_records) == 3  # type: ignore[attr-defined]


async def test_a_kept_follower_list_follows_every_follow_and_unfollow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "MIN_KEPT_FOLLOWERS", 2)
    async with BACKENDS["sqlite-file"](tmp_path) as store:
        author = await make_account(store)
        fans = [await make_account(store) for _ in range(4)]
        for fan in fans[:3]:
            await follow(store, fan, author)
        assert sorted(await store.follower_ids(author.id)) == sorted(f.id for f in fans[:3])
        kept = store.follower_lists  # type: ignore[attr-defined]
        assert kept.get(author.id, 3) is not None  # three follows: version 3

        # Handed out as a new list each time: a caller changing its copy changes nothing here.
        (await store.follower_ids(author.id)).clear()
        assert len(await store.follower_ids(author.id)) == 3

        # An unfollow and a follow leave the count as it was; the list moves anyway.
        assert await store.remove_follow(fans[0].id, author.id, event=event())
        await follow(store, fans[3], author)
        assert sorted(await store.follower_ids(author.id)) == sorted(f.id for f in fans[1:])

        # Another process's writes, plain SQL: a follow, and a follower deleted (cascade).
        other = sqlite3.connect(tmp_path / "chirp.db", isolation_level=None)
        try:
            other.execute("PRAGMA foreign_keys=ON")
            other.execute(
                "INSERT INTO follows(id, account_id, target_account_id, created_at)"
                " VALUES (?, ?, ?, '2026-01-01T00:00:00Z')",
                (ids.next_id(), fans[0].id, author.id),
            )
            other.execute("DELETE FROM accounts WHERE id = ?", (fans[1].id,))
        finally:
            other.close()
        assert sorted(await store.follower_ids(author.id)) == sorted(
            f.id for f in (fans[0], fans[2], fans[3])
        )
        assert await store.follower_ids(ids.next_id()) == []


async def test_kept_follower_lists_are_bounded_by_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "MIN_KEPT_FOLLOWERS", 2)
    monkeypatch.setattr(records, "FOLLOWER_IDS", 5)
    async with BACKENDS["sqlite-file"](tmp_path) as store:
        authors = [await make_account(store) for _ in range(3)]
        fans = [await make_account(store) for _ in range(3)]
        for author in authors:
            for fan in fans[:2]:
                await follow(store, fan, author)
            assert len(await store.follower_ids(author.id)) == 2
        kept = store.follower_lists  # type: ignore[attr-defined]
        # Two lists of two fit in five ids: the least recently read one went.
        assert kept.get(authors[0].id, 2) is None
        assert kept.get(authors[1].id, 2) is not None and kept.get(authors[2].id, 2) is not None
        await follow(store, fans[2], authors[2])  # too few left for a third entry
        assert len(await store.follower_ids(authors[2].id)) == 3
