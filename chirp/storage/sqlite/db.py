"""SQLite plumbing: one writer connection behind a lock, a small pool of readers, WAL, migrations."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import functools
import itertools
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import urllib.parse
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import aiosqlite

from chirp.storage.sqlite.migration_functions import FUNCTIONS

log = logging.getLogger(__name__)

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


class _Done(Generic[T]):
    """An awaitable (and async context) that is already done: awaiting it never suspends."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, T]:
        return self.value
        yield  # type: ignore[unreachable]  # a generator that finishes at once

    async def __aenter__(self) -> T:
        return self.value

    async def __aexit__(self, *exc: object) -> None:
        return None


class _NowCursor:
    """The part of aiosqlite's cursor the storage code uses, answered at once."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    def fetchall(self) -> _Done[list[Row]]:
        return _Done(self._cursor.fetchall())

    def fetchone(self) -> _Done[Row | None]:
        return _Done(self._cursor.fetchone())


class _NowConnection:
    """The writer connection as the storage code sees it inside `Database.write`: the same
    `execute`/`executemany` (awaited, or used with `async with`), run on the spot, on the
    writer's own thread."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> _Done[_NowCursor]:
        return _Done(_NowCursor(self._conn.execute(sql, params)))

    def executemany(self, sql: str, params: Iterable[Params]) -> _Done[_NowCursor]:
        return _Done(_NowCursor(self._conn.executemany(sql, params)))

    @property
    def total_changes(self) -> int:
        """Rows changed since the connection opened, by triggers too (no statement: no step)."""
        return self._conn.total_changes


def _run_at_once(coroutine: Awaitable[T]) -> T:
    """Run a coroutine that only awaits `_Done` values to its end, synchronously."""
    assert hasattr(coroutine, "send")
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return cast(T, finished.value)
    coroutine.close()  # type: ignore[attr-defined]
    raise RuntimeError("a `Database.write` body may await only its own statements")


_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",  # durable across process crashes; WAL keeps the file consistent
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA cache_size=-16000",
    "PRAGMA temp_store=MEMORY",
)


# Compiled statements kept per connection (sqlite3's default is 128). A query with an IN list
# is a distinct statement per list length, and a page of tweets runs a dozen such queries;
# compiling one costs more than running it.
CACHED_STATEMENTS = 1024

# WAL checkpoints (copying committed pages back into the database file, with two fsyncs) run on
# their own connection and thread, at most this often while writes go on. Left to SQLite, the
# commit that grew the WAL past 1,000 pages ran one inside the writer's transaction: with a
# fan-out writing a few hundred pages per tweet, that was every few commits, and those
# commits held the writer ~20 ms instead of ~1.
CHECKPOINT_INTERVAL = 0.1
# `write_each`: transactions run back to back per hop to the writer (seconds), and hops queued:
# one. A hop ends early when another write is waiting for the writer and the hop has had its
# slice (a post waits for the slice and one transaction at most; a hop that gave way at once
# went back through the busy event loop after every transaction and starved). The budget
# bounds how long the loop goes without hearing of the hop's commits.
WRITE_EACH_BUDGET = 0.05
WRITE_EACH_SLICE = 0.003
WRITE_EACH_QUEUED = 1
# Every this many checkpoints, one that leaves the WAL wholly copied (see `_checkpoint`).
RESTART_EVERY = 10
# The writer still checkpoints by itself past this many WAL pages (64 MiB): a safety net if
# the background checkpoints cannot keep up.
WRITER_AUTOCHECKPOINT_PAGES = 16_000


# The files of one database: SQLite gives its journals the database file's mode.
_DATABASE_FILES = ("", "-wal", "-shm", "-writer.lock", "-writer.wait")


def make_private(path: str) -> None:
    """The database file, created if missing, and those beside it readable by this user only
    (0600): they hold password hashes and token digests."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for suffix in _DATABASE_FILES:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path + suffix, 0o600)


class _WriterLock:
    """The database's write lock across processes (`CHIRP_WORKERS`, or another node's process
    on the same file), taken by the writer's thread around each transaction. SQLite's own lock
    makes a second writer poll (`busy_timeout` sleeps of up to 100 ms): with two worker processes
    posting, their fan-outs spent most of their time asleep (~200 tweets/s fanned out for two
    processes against ~800/s for one). A blocking `flock` hands the lock over as it is released.
    On its own file: SQLite's POSIX locks on the database are left alone.

    A writer waiting for the lock holds a shared lock on a second file meanwhile, so a run of
    transactions in one process (a fan-out's hop) sees that a write in another process waits
    and gives way, as it does to its own process's writes: `flock` hands a released lock to
    whoever asks first, and the hop asking again at once often won (a post in one worker then
    waited for the other worker's whole hop)."""

    __slots__ = ("_fd", "_threads", "_waiting_fd")

    def __init__(self, database: str) -> None:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
        self._fd = os.open(database + "-writer.lock", flags, 0o600)
        self._waiting_fd = os.open(database + "-writer.wait", flags, 0o600)
        # Between this process's threads (the writer's, and the loop's `write_now`): `flock`
        # belongs to the open file, which they share.
        self._threads = threading.Lock()

    def acquire(self) -> None:
        self._threads.acquire()
        try:
            fcntl.flock(self._waiting_fd, fcntl.LOCK_SH)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)  # releases the GIL while it waits
            finally:
                fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)
        except BaseException:
            self._threads.release()
            raise

    def try_acquire(self) -> bool:
        """The lock if it is free now, without waiting (the loop's thread must not wait)."""
        if not self._threads.acquire(blocking=False):
            return False
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BaseException as error:
            self._threads.release()
            if isinstance(error, BlockingIOError):
                return False
            raise
        return True

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def others_waiting(self) -> bool:
        """Whether a writer in another process waits for the lock (asked between transactions)."""
        try:
            fcntl.flock(self._waiting_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)
        return False

    def close(self) -> None:  # idempotent, as `Database.close` is
        for name in ("_fd", "_waiting_fd"):
            fd = getattr(self, name)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)


class Database:
    """Writes go through one connection, serialized by an asyncio lock, each in one transaction.

    SQLite allows one writer at a time anyway; serializing in-process avoids SQLITE_BUSY storms,
    and `_WriterLock` does the same between processes. WAL lets the reader connections run
    beside the writer and see every committed write.
    """

    def __init__(
        self,
        path: str,
        writer: aiosqlite.Connection,
        readers: list[aiosqlite.Connection],
        scratch_dir: str | None = None,
        inline_reader: sqlite3.Connection | None = None,
        checkpointer: aiosqlite.Connection | None = None,
        writer_lock: _WriterLock | None = None,
        inline_writer: sqlite3.Connection | None = None,
    ):
        self.path = path  # the database file
        self._writer = writer
        self._writer_lock = writer_lock
        self._readers = readers
        self._next_reader = itertools.cycle(readers)
        self._write_lock = asyncio.Lock()
        self._scratch_dir = scratch_dir
        self._inline = inline_reader
        # `write_now`'s connection: the inline reader's, unless that one has other files
        # attached (its `BEGIN IMMEDIATE` would take their write locks too, and wait for them).
        self._inline_writer = inline_writer if inline_writer is not None else inline_reader
        self._checkpointer = checkpointer
        self._written = asyncio.Event()
        # Writes submitted to the writer's thread (counted on the loop's thread) and started
        # there (counted on the writer's): each count has one writer, so none is lost. A
        # `write_each` hop gives way to the difference between its transactions.
        self._writes_submitted = 0
        self._writes_started = 0
        self._checkpoints: asyncio.Task[None] | None = None
        # `write_now`s waiting for the writer's thread to hand back its job (the loop's), and
        # jobs submitted there and not back yet (counted on the loop's thread).
        self._inline_waiting: collections.deque[
            tuple[Callable[[aiosqlite.Connection], Awaitable[Any]], asyncio.Future[Any]]
        ] = collections.deque()
        self._writer_jobs = 0

    @classmethod
    async def open(
        cls,
        path: str,
        *,
        readers: int = 2,
        schema: str = "migrations",
        readers_see: Mapping[str, str] | None = None,
    ) -> Database:
        """Open (creating and migrating) the database file at `path` (":memory:": a throwaway
        one) with the migrations of the `schema` folder. `readers_see` names other database
        files (schema name -> path) that the readers attach: reads may join their tables. The
        writer does not attach them: its `BEGIN IMMEDIATE` would take their write locks too."""
        scratch_dir = None
        if path == ":memory:":
            # A throwaway file, not a shared-cache memory database: shared cache uses table locks
            # that fail at once ("database table is locked") instead of WAL's concurrent reads.
            scratch_dir = make_scratch_dir()
            target = str(Path(scratch_dir) / "chirp.db")
        else:
            Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            make_private(path)
            target = path
        attached = dict(readers_see or {})
        writer = await cls._connect(target)
        try:
            await apply_migrations(writer, schema)
            await writer.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}")
            reader_conns = [await cls._connect(target, attached) for _ in range(readers)]
            inline = cls._connect_inline(target, attached)
            inline_writer = cls._connect_inline(target, {}) if attached else None
            checkpointer = await cls._connect(target)
            writer_lock = _WriterLock(target)
        except BaseException:
            await writer.close()
            if scratch_dir:
                shutil.rmtree(scratch_dir, ignore_errors=True)
            raise
        return cls(
            target,
            writer,
            reader_conns,
            scratch_dir,
            inline,
            checkpointer,
            writer_lock,
            inline_writer,
        )

    async def writes_read(self, name: str, path: str) -> None:
        """Let this database's write transactions read the database file at `path` (attached
        read-only as `name`: never written, so its write lock is never taken)."""
        await self._writer.execute("ATTACH DATABASE ? AS " + name, (_file_uri(path, "ro"),))

    @staticmethod
    async def _connect(
        target: str, attached: Mapping[str, str] | None = None
    ) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(
            _file_uri(target), uri=True, isolation_level=None, cached_statements=CACHED_STATEMENTS
        )
        conn.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            await conn.execute(pragma)
        for name, path in (attached or {}).items():
            await conn.execute("ATTACH DATABASE ? AS " + name, (_file_uri(path),))
        return conn

    @staticmethod
    def _connect_inline(target: str, attached: Mapping[str, str]) -> sqlite3.Connection:
        # Used on the event loop's thread only. No busy wait there: a read that would have to
        # wait for a lock (rare in WAL: recovery, a truncating checkpoint) goes to a reader thread.
        conn = sqlite3.connect(
            _file_uri(target),
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=CACHED_STATEMENTS,
        )
        conn.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            if not pragma.startswith("PRAGMA busy_timeout"):
                conn.execute(pragma)
        conn.execute("PRAGMA busy_timeout=0")
        for name, path in attached.items():
            conn.execute("ATTACH DATABASE ? AS " + name, (_file_uri(path),))
        return conn

    async def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
        async with self._write_lock:
            for conn in (*self._readers, self._writer):
                await conn.close()
            if self._checkpointer is not None:
                await self._checkpointer.close()
            for inline in {self._inline, self._inline_writer}:
                if inline is not None:
                    inline.close()
            if self._writer_lock is not None:
                self._writer_lock.close()
        if self._scratch_dir:
            shutil.rmtree(self._scratch_dir, ignore_errors=True)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`BEGIN IMMEDIATE` … `COMMIT`, rolled back on any exception (no partial writes)."""
        async with self._write_lock:
            conn = self._writer._conn
            began = False

            def begin() -> None:
                nonlocal began
                self._begin(conn)
                began = True

            def roll_back() -> None:
                if began:
                    self._end(conn, "ROLLBACK")

            try:
                # A cancelled wait for the BEGIN leaves the job queued: it still runs, takes
                # the writer lock and opens a transaction. The ROLLBACK queued behind it (the
                # writer's thread runs its jobs in order) ends them; without it the next
                # transaction waited for the lock forever.
                await self._writer._execute(self._counted(begin))  # type: ignore[no-untyped-call]
                yield self._writer
            except BaseException:
                await self._writer._execute(roll_back)  # type: ignore[no-untyped-call]
                raise
            await self._writer._execute(lambda: self._end(conn, "COMMIT"))  # type: ignore[no-untyped-call]
        self._committed()

    # On the writer's thread: the cross-process lock, then SQLite's; released in reverse.
    def _begin(self, conn: sqlite3.Connection) -> None:
        if self._writer_lock is not None:
            self._writer_lock.acquire()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            if self._writer_lock is not None:
                self._writer_lock.release()
            raise

    def _end(self, conn: sqlite3.Connection, verb: str) -> None:
        try:
            conn.execute(verb)
        except BaseException:
            if conn.in_transaction:  # a COMMIT that failed: nothing of it is kept
                conn.execute("ROLLBACK")
            raise
        finally:
            if self._writer_lock is not None and not conn.in_transaction:
                self._writer_lock.release()

    async def write(self, body: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """A transaction like `transaction`, in one hop to the writer's thread: `body` runs
        there whole, its statements executed on the spot (it may await nothing else). With a
        statement per hop, a transaction held the writer lock across a dozen trips through a
        busy event loop (~80 ms each under realtime load, measured), and every other write
        queued behind it. A `transaction` runs between `write`s, never inside one: it holds
        the lock, and its first statement queues behind the `write`s already submitted."""

        return await self._on_writer(lambda: self._run_transaction(body))

    async def write_now(self, body: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """A short write, as `write` does it, but run on the event loop's thread: at once if the
        writer is free, else as soon as the writer's thread hands back the job it is running
        (a `write_each` hop gives way to it as to any waiting write). Only for a transaction of
        a few bounded statements (a tweet): it holds the loop ~0.1-0.2 ms, as inline reads do.
        Every statement run on the writer's thread gives up the GIL and waits to take it back
        from the busy loop: a tweet's eight statements held the writer ~1 ms there for ~0.1 ms
        of SQLite's work (posting benchmark), and the fan-out waited behind them."""
        if self._inline_writer is None or self._writer_lock is None:
            return await self.write(body)
        if not self._inline_waiting:
            ran, result = self._write_inline(body)
            if ran:
                return cast(T, result)
        if self._writer_jobs == 0:
            # Nothing of ours is on the writer: another process holds the lock (or a
            # `transaction` does); wait on the writer's thread instead of the loop's.
            return await self.write(body)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inline_waiting.append((body, future))
        return cast(T, await future)

    def _write_inline(
        self, body: Callable[[aiosqlite.Connection], Awaitable[T]]
    ) -> tuple[bool, T | None]:
        """Run `body` as a transaction on the loop's connection if the write lock is free now:
        (True, its result), or (False, None) if it is not."""
        conn, lock = self._inline_writer, self._writer_lock
        assert conn is not None and lock is not None
        if self._write_lock.locked() or not lock.try_acquire():
            return False, None
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if _is_busy(error):  # a writer of another process without our lock
                    return False, None
                raise
            try:
                result = _run_at_once(body(cast(aiosqlite.Connection, _NowConnection(conn))))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            lock.release()
        self._committed()
        return True, result

    def _run_waiting_inline(self) -> None:
        """After a job of the writer's thread came back: the inline writes waiting for it run
        now. While another job of ours holds the writer they wait for that one too (its end
        calls this again): sent to the writer's thread instead, a post holds the writer with
        its statements' GIL hand-offs (~1 ms), and the next posts find it busy and follow.
        Only when none of ours is left and the lock is still taken (another process, a
        `transaction`) do they go there."""
        waiting = self._inline_waiting
        while waiting:
            body, future = waiting[0]
            if future.cancelled():
                waiting.popleft()
                continue
            try:
                ran, result = self._write_inline(body)
            except BaseException as error:
                waiting.popleft()
                future.set_exception(error)
                continue
            if not ran:
                if self._writer_jobs:  # another job of ours has the writer: wait for it too
                    return
                break
            waiting.popleft()
            future.set_result(result)
        while waiting:
            body, future = waiting.popleft()
            if not future.cancelled():
                asyncio.ensure_future(self.write(body)).add_done_callback(
                    functools.partial(_settle, future)
                )

    async def write_each(
        self, bodies: Sequence[Callable[[aiosqlite.Connection], Awaitable[object]]]
    ) -> None:
        """Each body a transaction as in `write`, in order, as many per hop to the writer's
        thread as fit in WRITE_EACH_BUDGET (or WRITE_EACH_SLICE once another write waits), with
        WRITE_EACH_QUEUED hops queued at a time: a write from elsewhere waits behind a slice
        and a transaction, while work like a fan-out no longer takes a trip through the event
        loop per transaction (under load a trip took ~45 ms, for transactions of ~2 ms)."""
        next_body = 0

        def run() -> None:
            nonlocal next_body
            started = time.perf_counter()
            while next_body < len(bodies):
                next_body += 1
                self._run_transaction(bodies[next_body - 1])
                elapsed = time.perf_counter() - started
                if elapsed >= WRITE_EACH_BUDGET or (
                    elapsed >= WRITE_EACH_SLICE and self._writes_waiting()
                ):
                    return

        in_flight: set[asyncio.Task[None]] = set()
        try:
            while next_body < len(bodies) or in_flight:
                while next_body < len(bodies) and len(in_flight) < WRITE_EACH_QUEUED:
                    in_flight.add(asyncio.ensure_future(self._on_writer(run, gives_way=True)))
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # a failed transaction ends the rest
        finally:
            next_body = len(bodies)  # hops still queued find nothing left to do
            if in_flight:
                await asyncio.wait(in_flight)

    def _writes_waiting(self) -> bool:
        """On the writer's thread: a write of this process or of another waits for the writer."""
        if self._writes_submitted != self._writes_started or self._inline_waiting:
            return True
        return self._writer_lock is not None and self._writer_lock.others_waiting()

    def _run_transaction(self, body: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        conn = self._writer._conn  # aiosqlite's own thread runs this: its connection is ours
        self._begin(conn)
        try:
            # Duck-typed: the subset of aiosqlite's connection the storage code uses.
            result = _run_at_once(body(cast(aiosqlite.Connection, _NowConnection(conn))))
        except BaseException:
            self._end(conn, "ROLLBACK")
            raise
        self._end(conn, "COMMIT")
        return result

    async def _on_writer(
        self, job: Callable[[], T], *, gives_way: bool = False, commits: bool = True
    ) -> T:
        if not gives_way:
            job = self._counted(job)
        self._writer_jobs += 1
        try:
            if self._write_lock.locked():  # a `transaction` has the writer, statement by statement
                async with self._write_lock:
                    result = cast(T, await self._writer._execute(job))  # type: ignore[no-untyped-call]
            else:
                # No lock across the hop: aiosqlite's thread runs its queue one job at a time, so
                # `write`s are serialized there, back to back. Holding the lock until the event
                # loop got round to the committed result put a trip through a busy loop between
                # any two writes (the dispatcher's fan-out waited in line with every post's).
                result = cast(T, await self._writer._execute(job))  # type: ignore[no-untyped-call]
        finally:
            self._writer_jobs -= 1
            self._run_waiting_inline()
        if commits:
            self._committed()
        return result

    def _counted(self, job: Callable[[], T]) -> Callable[[], T]:
        self._writes_submitted += 1

        def started() -> T:
            self._writes_started += 1
            return job()

        return started

    def _committed(self) -> None:
        if self._checkpointer is None:
            return
        self._written.set()
        if self._checkpoints is None:
            self._checkpoints = asyncio.create_task(self._checkpoint(), name="sqlite-checkpoints")

    async def _checkpoint(self) -> None:
        """Checkpoint after writes, off the writer: whatever the WAL holds, beside the writes
        going on. Every RESTART_EVERY rounds, the pages committed meanwhile too, holding the
        write lock: that leaves the WAL wholly copied with no write in between, so the next
        write starts it over from the beginning (under steady writes it would grow without
        end otherwise)."""
        assert self._checkpointer is not None
        writer = self._writer._conn  # run on the writer's thread, as `write` does

        def checkpoint_on_writer() -> None:
            # Not in a transaction, but writes of other processes are held off too.
            if self._writer_lock is not None:
                self._writer_lock.acquire()
            try:
                # This file only: the writer may have another attached read-only (the feeds'
                # writer reads the main file), and checkpointing that one fails (I/O error).
                writer.execute("PRAGMA main.wal_checkpoint(PASSIVE)")
            finally:
                if self._writer_lock is not None:
                    self._writer_lock.release()

        rounds = 0
        while True:
            await self._written.wait()
            self._written.clear()
            rounds += 1
            try:
                await self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
                if rounds % RESTART_EVERY == 0:
                    # Again (a short one: what was committed during the first), then the last
                    # few pages with writes held off.
                    await self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    # Queued as a write (a fan-out hop gives way to it), not under the write
                    # lock: held while the job waited behind a hop, that lock kept every post
                    # of those milliseconds off the loop's thread (`write_now`), and they
                    # queued on the writer's thread instead, behind the hop.
                    await self._on_writer(checkpoint_on_writer, commits=False)
            except sqlite3.Error:
                log.warning("WAL checkpoint failed; will retry", exc_info=True)
            await asyncio.sleep(CHECKPOINT_INTERVAL)

    # One hop to the reader's thread per query (execute + fetch + close there): a cursor used from
    # the event loop costs three hops, which dominated the time of a page's dozen queries.
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await next(self._next_reader).execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await next(self._next_reader).execute_fetchall(sql, params))

    # Short reads on the event loop's thread. A hop to a reader thread costs more CPU than a
    # bounded, indexed read itself (measured: ~40 us per hop against a few us per row), and under
    # load the hops contend for the GIL; a page of tweets makes several such reads. Only for
    # reads bounded by an index and a page-sized key list; anything that may scan, sort or search
    # (timelines by range, FTS, trends) goes through `fetchall`.
    async def fetchall_now(self, sql: str, params: Params = ()) -> list[Row]:
        if self._inline is not None:
            try:
                return self._inline.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
        return await self.fetchall(sql, params)

    async def fetchone_now(self, sql: str, params: Params = ()) -> Row | None:
        return next(iter(await self.fetchall_now(sql, params)), None)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


def _settle(future: asyncio.Future[Any], done: asyncio.Future[Any]) -> None:
    """Hand `done`'s outcome on to `future` (unless whoever awaited it went away)."""
    if future.cancelled():
        return
    if done.cancelled():
        future.cancel()
    elif (error := done.exception()) is not None:
        future.set_exception(error)
    else:
        future.set_result(done.result())


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def make_scratch_dir() -> str:
    """A private directory for a throwaway database, in RAM (/dev/shm) where there is one."""
    shm = Path("/dev/shm")
    return tempfile.mkdtemp(prefix="chirp-", dir=shm if shm.is_dir() else None)


def statement(sql: str, params: Params) -> Callable[[aiosqlite.Connection], Awaitable[None]]:
    """A `Database.write` body of one statement."""

    async def run(tx: aiosqlite.Connection) -> None:
        await tx.execute(sql, params)

    return run


def placeholders(values: Iterable[Any]) -> str:
    return ",".join("?" for _ in values)


def _file_uri(path: str, mode: str = "rwc") -> str:
    """A `file:` URI for a database file (any character of the path quoted)."""
    return f"file:{urllib.parse.quote(str(Path(path).absolute()))}?mode={mode}"


async def apply_migrations(conn: aiosqlite.Connection, schema: str = "migrations") -> None:
    """Apply the `<schema>/NNNN_name.sql` files not yet recorded, each in its own transaction."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with conn.execute("SELECT version FROM schema_migrations") as cursor:
        applied = {row[0] async for row in cursor}
    for function, (arity, body) in FUNCTIONS.items():
        await conn.create_function(function, arity, body, deterministic=True)
    for version, name, sql in _migration_files(schema):
        if version in applied:
            continue
        log.info("applying schema migration", extra={"version": version, "migration": name})
        try:
            await conn.execute("BEGIN IMMEDIATE")
            for statement in _split_statements(sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations(version, name, applied_at)"
                " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ'))",
                (version, name),
            )
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise


def _migration_files(schema: str) -> list[tuple[int, str, str]]:
    folder = resources.files("chirp.storage.sqlite") / schema
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version, _, name = entry.name.removesuffix(".sql").partition("_")
            found.append((int(version), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _split_statements(sql: str) -> list[str]:
    """Split a script on statement boundaries (sqlite3.complete_statement handles triggers)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
