"""The SQLite store keeps its home feeds in a second file, `<name>-feeds.db`: a fan-out's write
transactions hold that file's write lock, never the one tweets, likes and follows need."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from chirp.core.models import Page
from chirp.storage.sqlite import SqliteStore, feeds_file
from chirp.storage.sqlite import db as db_module
from chirp.storage.sqlite.db import Database, statement
from tests.storage.factories import event, fan_out, follow, make_account, post


def test_the_feeds_file_sits_beside_the_store() -> None:
    assert feeds_file("/data/chirp.db") == "/data/chirp-feeds.db"
    assert feeds_file("relative/store") == "relative/store-feeds"


async def test_a_tweet_is_written_while_a_fan_out_holds_the_feeds(tmp_path: Path) -> None:
    store = await SqliteStore.open(str(tmp_path / "chirp.db"))
    try:
        author, reader = await make_account(store), await make_account(store)
        await follow(store, reader, author)
        first = await post(store, author)
        holding, release = threading.Event(), threading.Event()

        async def long_fan_out(tx: Any) -> None:
            # A stand-in for a big fan-out: the feeds' write lock is held until released.
            await tx.execute(
                "INSERT INTO home_feed(owner_id, status_id, author_id) VALUES (?, ?, ?)",
                (reader.id, first.id, author.id),
            )
            holding.set()
            release.wait(10)

        writing = asyncio.ensure_future(store.feeds.write(long_fan_out))
        assert await asyncio.to_thread(holding.wait, 10)
        on_writer: list[object] = []
        main_write = store.db.write

        async def recorded(body: Any) -> Any:
            on_writer.append(body)
            return await main_write(body)

        store.db.write = recorded  # type: ignore[method-assign]
        try:
            # Tweets, likes and follows need the main file only: none of them waits, and a
            # tweet is written on the loop's thread (the connection that does it has no
            # feeds attached: its `BEGIN IMMEDIATE` would wait for the feeds' lock too).
            async with asyncio.timeout(5):
                second = await post(store, author)
            assert on_writer == []
            async with asyncio.timeout(5):
                other = await make_account(store)
                await follow(store, other, author)
            assert (await store.get_status(second.id)) is not None
        finally:
            store.db.write = main_write  # type: ignore[method-assign]
            release.set()
            await writing
        assert await fan_out(store, second) == [reader.id, other.id]
        assert await store.home_timeline(reader.id, Page()) == [
            second.id,
            first.id,
        ]
    finally:
        await store.close()


async def test_feeds_of_a_store_made_before_the_feeds_file_are_moved_there(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chirp.db"
    store = await SqliteStore.open(str(path))
    try:
        author, reader = await make_account(store), await make_account(store)
        await follow(store, reader, author)
        tweets = [await post(store, author) for _ in range(3)]
        for tweet in tweets:
            await fan_out(store, tweet)
    finally:
        await store.close()
    _back_to_one_file(path)

    store = await SqliteStore.open(str(path))
    try:
        assert await store.home_timeline(reader.id, Page()) == [t.id for t in reversed(tweets)]
        gone = await store.db.fetchval(
            "SELECT count(*) FROM main.sqlite_master WHERE name = 'home_feed'"
        )
        assert gone == 0
        await store.remove_follow(reader.id, author.id, event=event())
        assert await store.home_timeline(reader.id, Page()) == []
    finally:
        await store.close()


def _back_to_one_file(path: Path) -> None:
    """The layout of migration 0009: the feeds in the main file, no feeds file."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("ATTACH DATABASE ? AS feeds", (feeds_file(str(path)),))
    conn.execute("CREATE TABLE main.home_feed AS SELECT * FROM feeds.home_feed")
    conn.execute("DELETE FROM schema_migrations WHERE version = 10")
    conn.execute("DETACH DATABASE feeds")
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(feeds_file(str(path)) + suffix).unlink(missing_ok=True)


async def test_a_throwaway_store_leaves_no_files_behind() -> None:
    store = await SqliteStore.open(":memory:")
    folder = Path(store.db.path).parent
    assert await asyncio.to_thread(Path(feeds_file(store.db.path)).exists)
    await store.close()
    assert not await asyncio.to_thread(folder.exists)


async def test_a_writers_checkpoint_leaves_a_file_it_reads_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The checkpoint that empties a WAL runs on the writer's connection. The feeds' writer has
    the main file attached read-only, and checkpointing every attached file failed there
    ("disk I/O error") whenever the main file's WAL held frames."""
    monkeypatch.setattr(db_module, "RESTART_EVERY", 1)
    monkeypatch.setattr(db_module, "CHECKPOINT_INTERVAL", 0.0)
    main = sqlite3.connect(tmp_path / "main.db", isolation_level=None)
    main.execute("PRAGMA journal_mode=WAL")
    main.execute("PRAGMA wal_autocheckpoint=0")  # its frames stay in its WAL
    main.execute("CREATE TABLE x (a)")
    feeds = await Database.open(str(tmp_path / "feeds.db"), schema="feeds_migrations")
    try:
        await feeds.writes_read("core", str(tmp_path / "main.db"))
        await feeds.write(statement("INSERT INTO feed_cuts SELECT count(*), 0 FROM core.x", []))
        main.execute("INSERT INTO x VALUES (1)")
        await feeds.write(statement("DELETE FROM feed_cuts", []))
        await asyncio.sleep(0.2)  # the checkpoint rounds after those commits
    finally:
        await feeds.close()
        main.close()
    assert "WAL checkpoint failed" not in caplog.text
