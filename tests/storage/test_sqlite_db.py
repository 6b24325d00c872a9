"""SQLite plumbing: short reads on the event loop's thread, and their way around a lock."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from chirp.storage.sqlite import db as db_module
from chirp.storage.sqlite.db import Database


async def test_inline_reads_see_committed_writes_at_once(tmp_path: Path) -> None:
    db = await Database.open(str(tmp_path / "chirp.db"))
    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            await tx.execute("INSERT INTO t VALUES (1, 'a')")
        assert [tuple(r) for r in await db.fetchall_now("SELECT * FROM t")] == [(1, "a")]
        async with db.transaction() as tx:
            await tx.execute("UPDATE t SET v = 'b' WHERE id = 1")
        row = await db.fetchone_now("SELECT v FROM t WHERE id = ?", (1,))
        assert row is not None and row[0] == "b"
        assert await db.fetchone_now("SELECT v FROM t WHERE id = ?", (2,)) is None
    finally:
        await db.close()


class _LockedConnection:
    """Stands in for the inline connection meeting a lock (WAL recovery, a truncating
    checkpoint), which cannot be provoked reliably from a test."""

    def execute(self, sql: str, params: object = ()) -> sqlite3.Cursor:
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
        raise error

    def close(self) -> None:
        pass


async def test_a_locked_inline_read_falls_back_to_a_reader_thread_mocked_lock(
    tmp_path: Path,
) -> None:
    db = await Database.open(str(tmp_path / "chirp.db"))
    real = db._inline
    db._inline = _LockedConnection()  # type: ignore[assignment]
    try:
        rows = await db.fetchall_now("SELECT count(*) FROM schema_migrations")
        assert rows[0][0] >= 1
    finally:
        db._inline = real
        await db.close()


async def test_a_one_hop_write_commits_whole_or_not_at_all(tmp_path: Path) -> None:
    db = await Database.open(str(tmp_path / "chirp.db"))
    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")

        async def add(tx: aiosqlite.Connection) -> list[int]:
            await tx.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
            async with tx.execute("UPDATE t SET v = 'c' WHERE id = 2 RETURNING id") as cursor:
                changed = [row[0] for row in await cursor.fetchall()]
            cursor = await tx.execute("DELETE FROM t WHERE id = 9")
            return [*changed, cursor.rowcount]

        assert await db.write(add) == [2, 0]
        assert [tuple(r) for r in await db.fetchall("SELECT * FROM t")] == [(1, "a"), (2, "c")]

        async def clash(tx: aiosqlite.Connection) -> None:
            await tx.execute("INSERT INTO t VALUES (3, 'x')")
            await tx.execute("INSERT INTO t VALUES (1, 'again')")

        with pytest.raises(sqlite3.IntegrityError):
            await db.write(clash)

        async def wanders_off(tx: aiosqlite.Connection) -> None:
            await tx.execute("INSERT INTO t VALUES (4, 'y')")
            await asyncio.sleep(0)  # not a statement: the write refuses it

        with pytest.raises(RuntimeError, match="only its own statements"):
            await db.write(wanders_off)
        # Both rolled back, and the writer is usable again.
        assert [r[0] for r in await db.fetchall("SELECT id FROM t")] == [1, 2]
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (5, 'z')")
        assert [r[0] for r in await db.fetchall("SELECT id FROM t")] == [1, 2, 5]
    finally:
        await db.close()


def _held_by_someone(lock_path: Path) -> bool:
    """Whether another open file description holds the writer lock (as another process would)."""
    fd = os.open(lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock this probe took
    return False


def _insert(
    value: int, threads: list[int] | None = None
) -> Callable[[aiosqlite.Connection], Awaitable[int]]:
    """An insert returning its value; `threads` records the thread it ran on."""

    async def body(tx: aiosqlite.Connection) -> int:
        if threads is not None:
            threads.append(threading.get_ident())
        await tx.execute("INSERT INTO t VALUES (?)", (value,))
        return value

    return body


async def test_writes_hold_the_cross_process_writer_lock_for_the_transaction(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chirp.db"
    db = await Database.open(str(path))
    other = await Database.open(str(path))  # as a second worker process on the same file
    lock = Path(str(path) + "-writer.lock")
    try:
        assert not _held_by_someone(lock)
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            assert _held_by_someone(lock)
            # The other writer waits on the lock (not in SQLite's sleeping busy handler) and
            # goes ahead as soon as this transaction ends.
            waiting = asyncio.ensure_future(other.write(_insert(2)))
            await asyncio.sleep(0.2)
            assert not waiting.done()
            await tx.execute("INSERT INTO t VALUES (1)")
        await asyncio.wait_for(waiting, 2)
        assert not _held_by_someone(lock)
        with pytest.raises(sqlite3.IntegrityError):  # a failed write leaves the lock free too
            await db.write(_insert(1))
        assert not _held_by_someone(lock)
        assert [r[0] for r in await db.fetchall("SELECT id FROM t ORDER BY id")] == [1, 2]
    finally:
        await other.close()
        await db.close()


def _slow_insert(name: str, order: list[str]) -> Callable[[aiosqlite.Connection], Awaitable[None]]:
    """A transaction of a few ms, as a fan-out range is; `order` records commits (on the
    writer's thread, in commit order)."""

    async def run(tx: aiosqlite.Connection) -> None:
        await tx.execute("INSERT INTO t VALUES (?)", (name,))
        order.append(name)
        time.sleep(0.005)

    return run


async def _long_write_each(db: Database, order: list[str]) -> asyncio.Future[None]:
    """A fan-out's 60 transactions on a fresh table, returned once three have committed."""
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE t (name TEXT PRIMARY KEY)")
    fan_out = asyncio.ensure_future(
        db.write_each([_slow_insert(f"range {i}", order) for i in range(60)])
    )
    while len(order) < 3:
        await asyncio.sleep(0.001)
    return fan_out


async def test_a_long_write_each_gives_way_to_a_write_between_its_transactions(
    tmp_path: Path,
) -> None:
    """A fan-out's many transactions do not make a post wait for more than the one in hand."""
    db = await Database.open(str(tmp_path / "chirp.db"))
    order: list[str] = []
    try:
        fan_out = await _long_write_each(db, order)
        await db.write(_slow_insert("post", order))
        await fan_out
        assert len(order) == 61
        # The post went in within a couple of ranges of being submitted, not after the hop's
        # budget (10 such ranges) or the whole fan-out.
        assert order.index("post") <= 6, order
    finally:
        await db.close()


async def test_a_long_write_each_gives_way_to_a_write_of_another_process(tmp_path: Path) -> None:
    """Two worker processes on one file: a post in one waits for a transaction or two of the
    other's fan-out, not for its whole hop (the writer lock is a `flock` either may win)."""
    path = str(tmp_path / "chirp.db")
    db = await Database.open(path)
    other = await Database.open(path)  # its own lock files' descriptions, as another process
    order: list[str] = []
    try:
        fan_out = await _long_write_each(db, order)
        submitted_at = len(order)
        await other.write(_slow_insert("post", order))
        await fan_out
        assert len(order) == 61
        assert order.index("post") <= submitted_at + 3, order
    finally:
        await other.close()
        await db.close()


async def test_a_checkpoint_waiting_behind_a_fan_out_keeps_no_write_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkpoint that empties the WAL runs on the writer's thread: queued behind a hop, it
    is a write the hop gives way to, and it holds no lock while it waits (holding the write
    lock then kept every post of those milliseconds off the loop's thread: `write_now` runs
    only while no `transaction` holds it)."""
    monkeypatch.setattr(db_module, "RESTART_EVERY", 1)
    monkeypatch.setattr(db_module, "CHECKPOINT_INTERVAL", 0.0)
    db = await Database.open(str(tmp_path / "chirp.db"))
    order: list[str] = []
    try:
        fan_out = await _long_write_each(db, order)
        deadline = time.monotonic() + 2
        while db._writer_jobs < 2 and not db._write_lock.locked():
            assert time.monotonic() < deadline, "no checkpoint queued behind the hop"
            await asyncio.sleep(0.001)
        assert not db._write_lock.locked()
        await fan_out
        assert len(order) == 60
    finally:
        await db.close()


async def test_a_short_write_runs_on_the_loops_thread_when_the_writer_is_free(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chirp.db"
    db = await Database.open(str(path))
    threads: list[int] = []
    try:
        await db.write(_table)
        assert await db.write_now(_insert(1, threads)) == 1
        assert threads == [threading.get_ident()]
        assert not _held_by_someone(Path(str(path) + "-writer.lock"))
        # Whole or not at all, and the lock is free again after a failure.
        with pytest.raises(sqlite3.IntegrityError):
            await db.write_now(_two_inserts(2, 1))
        assert not _held_by_someone(Path(str(path) + "-writer.lock"))
        assert [r[0] for r in await db.fetchall_now("SELECT id FROM t ORDER BY id")] == [1]
    finally:
        await db.close()


async def test_a_short_write_waits_on_the_loop_for_the_writers_transaction_in_hand(
    tmp_path: Path,
) -> None:
    """Submitted while a fan-out's hop holds the writer: it runs on the loop's thread as soon as
    the hop gives way (a transaction or two later), not on the writer's thread after it."""
    db = await Database.open(str(tmp_path / "chirp.db"))
    order: list[str] = []
    threads: list[int] = []
    try:
        fan_out = await _long_write_each(db, order)
        submitted_at = len(order)

        async def post(tx: aiosqlite.Connection) -> None:
            threads.append(threading.get_ident())
            await _slow_insert("post", order)(tx)

        await db.write_now(post)
        await fan_out
        assert len(order) == 61
        assert order.index("post") <= submitted_at + 3, order
        assert threads == [threading.get_ident()]
    finally:
        await db.close()


async def test_a_short_write_waits_on_the_loop_for_every_job_of_ours_ahead_of_it(
    tmp_path: Path,
) -> None:
    """Two jobs on the writer's thread, one behind the other: a short write submitted meanwhile
    waits for both and then runs on the loop's thread, instead of following them there (where
    each of its statements waits for the GIL of a busy loop, and the next posts follow it)."""
    db = await Database.open(str(tmp_path / "chirp.db"))
    threads: list[int] = []
    first_held, second_held = threading.Event(), threading.Event()
    release_first, release_second = threading.Event(), threading.Event()

    def holding(held: threading.Event, release: threading.Event, row: int) -> Any:
        async def body(tx: aiosqlite.Connection) -> None:
            await tx.execute("INSERT INTO t VALUES (?)", (row,))
            held.set()
            release.wait(10)

        return body

    try:
        await db.write(_table)
        first = asyncio.ensure_future(db.write(holding(first_held, release_first, 1)))
        assert await asyncio.to_thread(first_held.wait, 10)
        second = asyncio.ensure_future(db.write(holding(second_held, release_second, 2)))
        await asyncio.sleep(0.01)  # queued behind the first on the writer's thread
        waiting = asyncio.ensure_future(db.write_now(_insert(3, threads)))
        await asyncio.sleep(0.01)
        release_first.set()
        await first
        # The writer's thread usually takes the second job before the loop hears of the first
        # one's end; if the loop hears first, the lock is free and the write runs at once.
        # Either way it runs on the loop's thread.
        assert await asyncio.to_thread(second_held.wait, 10)
        release_second.set()
        await second
        assert await asyncio.wait_for(waiting, 2) == 3
        assert threads == [threading.get_ident()]
        assert [r[0] for r in await db.fetchall_now("SELECT id FROM t ORDER BY id")] == [1, 2, 3]
    finally:
        release_first.set()
        release_second.set()
        await db.close()


async def test_a_short_write_goes_to_the_writers_thread_while_another_process_writes(
    tmp_path: Path,
) -> None:
    """The lock held by another process: the loop must not wait for it, the writer's thread
    does, and the write goes ahead once the other process is done."""
    path = tmp_path / "chirp.db"
    db = await Database.open(str(path))
    other = await Database.open(str(path))
    threads: list[int] = []
    try:
        await db.write(_table)
        async with other.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (5)")
            waiting = asyncio.ensure_future(db.write_now(_insert(6, threads)))
            await asyncio.sleep(0.2)
            assert not waiting.done()
        assert await asyncio.wait_for(waiting, 2) == 6
        assert threads and threads != [threading.get_ident()]
        assert [r[0] for r in await db.fetchall_now("SELECT id FROM t ORDER BY id")] == [5, 6]
    finally:
        await other.close()
        await db.close()


async def _table(tx: aiosqlite.Connection) -> None:
    await tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")


def _two_inserts(first: int, second: int) -> Callable[[aiosqlite.Connection], Awaitable[None]]:
    async def body(tx: aiosqlite.Connection) -> None:
        await tx.execute("INSERT INTO t VALUES (?)", (first,))
        await tx.execute("INSERT INTO t VALUES (?)", (second,))

    return body


async def test_a_transaction_cancelled_while_it_waits_to_begin_leaves_the_writer_free(
    tmp_path: Path,
) -> None:
    """A task cancelled while its BEGIN waits behind the writer's job in hand (a heartbeat
    stopped at shutdown): the BEGIN still runs later; its transaction and the writer lock must
    be let go, or every later write waits forever."""
    path = tmp_path / "chirp.db"
    db = await Database.open(str(path))
    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        busy = threading.Event()

        async def hold_the_writer(tx: aiosqlite.Connection) -> None:
            busy.set()
            time.sleep(0.3)

        holding = asyncio.ensure_future(db.write(hold_the_writer))
        while not busy.is_set():
            await asyncio.sleep(0.005)

        async def insert_one() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t VALUES (1)")

        cancelled = asyncio.ensure_future(insert_one())
        await asyncio.sleep(0.05)  # its BEGIN is queued behind `hold_the_writer`
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await holding

        async with asyncio.timeout(5):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t VALUES (2)")
            await db.write(_insert(3))
        assert not _held_by_someone(Path(str(path) + "-writer.lock"))
        assert [r[0] for r in await db.fetchall("SELECT id FROM t ORDER BY id")] == [2, 3]
    finally:
        await db.close()
