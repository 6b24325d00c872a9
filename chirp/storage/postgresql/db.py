"""PostgreSQL plumbing: a psycopg connection pool behind the interface the aggregate code uses
(`fetchall`, `write`, `transaction`, ...), versioned migrations under an advisory lock."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any, TypeVar

import psycopg
from psycopg import errors, pq
from psycopg.adapt import Dumper, Loader
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool

from chirp.storage.postgresql.dialect import Statement, translate

log = logging.getLogger(__name__)

T = TypeVar("T")
TUPLES_OK = pq.ExecStatus.TUPLES_OK
Params = Sequence[Any] | dict[str, Any]

# When the server is away (a restart, a failover): a request waits this long for a connection,
# then fails as unavailable (503 and Retry-After) instead of hanging; and the pool retries a
# lost connection with backoff for this long only, then on demand, so a node reconnects within
# a second or two of the server's return however long it was gone.
WAIT_SECONDS = 5.0
RECONNECT_SECONDS = 5.0

# A transaction the server aborts to break a deadlock runs again, up to this many times in all.
DEADLOCK_ATTEMPTS = 3

# Any 64-bit key: every node takes the same lock while it migrates.
MIGRATION_LOCK = 0x43_68_69_72_70_4D_69_67  # "ChirpMig"


class Row(tuple[Any, ...]):
    """A result row readable by position and by column name, as sqlite3.Row is."""

    _names: dict[str, int]
    _keys: list[str]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._keys)


@functools.lru_cache(maxsize=1024)
def _row_type(fields: tuple[bytes, ...]) -> type[Row]:
    keys = [field.decode() for field in fields]
    names: dict[str, int] = {}
    for index, name in enumerate(keys):
        names.setdefault(name, index)  # the first of duplicate names, as sqlite3.Row
    return type("Row", (Row,), {"_names": names, "_keys": keys})


def _row_factory(cursor: Any) -> RowMaker[Row]:
    # The column names straight from the result: `cursor.description` builds a Column object
    # per column per query, a good part of a short query's cost in Python.
    result = cursor.pgresult
    if result is None or result.status != TUPLES_OK:
        return tuple  # type: ignore[return-value]
    return _row_type(tuple(result.fname(i) for i in range(result.nfields)))


class _NumericLoader(Loader):
    """`sum()` and friends come back as numeric: integers stay `int`, as in SQLite."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return float(text) if "." in text or "e" in text.lower() else int(text)


class _ArrayLiteralDumper(Dumper):
    """Python lists as array literals of no stated type (`unknown`): the statement gives them
    theirs (`x = ANY(%s)` an array of x's type, `CAST(%s AS BIGINT[])`). psycopg's own list
    dumper works out every element's type in Python, a sizeable share of a read's CPU and of a
    big fan-out's; joining the ids into one string is several times cheaper."""

    oid = 0

    def dump(self, obj: Any) -> bytes:
        if all(type(value) is int for value in obj):
            return ("{" + ",".join(map(str, obj)) + "}").encode()
        return ("{" + ",".join(map(_array_element, obj)) + "}").encode()


def _array_element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):  # quoted: commas, braces, spaces and the word NULL stay text
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, int):  # flags (bool) too: integer columns, as in SQLite
        return str(int(value))
    if isinstance(value, float):
        return repr(float(value))
    raise TypeError(f"no array literal for a {type(value).__name__} element")


class Cursor:
    """A statement's outcome: its rows (read at once) and `rowcount`."""

    __slots__ = ("_at", "_rows", "rowcount")

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self._at = 0
        self.rowcount = rowcount

    async def fetchall(self) -> list[Row]:
        rows, self._at = self._rows[self._at :], len(self._rows)
        return rows

    async def fetchone(self) -> Row | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    @property
    def lastrowid(self) -> None:
        return None


class _Pending:
    """`tx.execute(...)`: awaited, or used with `async with`, as aiosqlite's is."""

    __slots__ = ("_coroutine",)

    def __init__(self, coroutine: Awaitable[Cursor]) -> None:
        self._coroutine = coroutine

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._coroutine.__await__()

    async def __aenter__(self) -> Cursor:
        return await self._coroutine

    async def __aexit__(self, *exc: object) -> None:
        return None


class SwallowedError(Exception):
    """A statement failed inside a transaction whose body went on: rerun with savepoints."""


_EXISTENCE_CHECK = re.compile(r"^SELECT 1 FROM \w+ WHERE id = \?$")


class Transaction:
    """A connection inside a transaction, as the aggregate code uses aiosqlite's."""

    def __init__(self, conn: psycopg.AsyncConnection[Any], *, savepoints: bool = False) -> None:
        self._conn = conn
        self._savepoints = savepoints
        self._failed = False

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        return _Pending(self._execute(sql, params))

    def executemany(self, sql: str, params: Iterable[Params]) -> _Pending:
        return _Pending(self._execute_many(sql, list(params)))

    async def _execute_many(self, sql: str, many: list[Params]) -> Cursor:
        total = 0
        for params in many:
            total += (await self._execute(sql, params)).rowcount
        return Cursor([], total)

    async def _execute(self, sql: str, params: Params) -> Cursor:
        if _EXISTENCE_CHECK.match(sql):
            # A row checked for before writing what refers to it: SQLite's one writer keeps it
            # there until the commit; here a share lock on its key does (a delete waits).
            sql += " FOR KEY SHARE"
        statement = translate(sql, isinstance(params, dict))
        if statement is None:
            return Cursor([], 0)
        if self._failed:
            raise SwallowedError(sql)
        try:
            if self._savepoints:
                async with self._conn.transaction():
                    return await run(self._conn, statement, params)
            return await run(self._conn, statement, params)
        except (psycopg.Error, sqlite3.IntegrityError):  # `run` tells constraints as SQLite does
            self._failed = not self._savepoints
            raise


async def run(conn: psycopg.AsyncConnection[Any], statement: Statement, params: Params) -> Cursor:
    # Values bound by the server (statements prepared after a few runs), except where a
    # statement tests a value's nullness (`? IS NULL`): an untyped NULL parameter has no type
    # there, and bound client-side it is a literal NULL, as SQLite reads it.
    cursor_type = psycopg.AsyncClientCursor if statement.client_side else psycopg.AsyncCursor
    async with cursor_type(conn) as cursor:
        try:
            await cursor.execute(statement.sql, statement.values(params))
        except errors.IntegrityError as error:
            raise as_sqlite_error(error) from error
        result = cursor.pgresult
        rows = await cursor.fetchall() if result is not None and result.status == TUPLES_OK else []
        return Cursor(rows, cursor.rowcount)


def as_sqlite_error(error: errors.IntegrityError) -> sqlite3.IntegrityError:
    """The shared aggregate code tells constraint failures apart by SQLite's messages
    ("UNIQUE constraint failed: table.column"): the same failure, told the same way."""
    diag = error.diag
    if isinstance(error, errors.UniqueViolation):
        columns = re.match(r"Key \((.*?)\)=", diag.message_detail or "")
        names = columns.group(1).split(", ") if columns else [diag.constraint_name or ""]
        failed = ", ".join(f"{diag.table_name}.{name}" for name in names)
        return sqlite3.IntegrityError(f"UNIQUE constraint failed: {failed}")
    if isinstance(error, errors.ForeignKeyViolation):
        return sqlite3.IntegrityError("FOREIGN KEY constraint failed")
    if isinstance(error, errors.NotNullViolation):
        return sqlite3.IntegrityError(
            f"NOT NULL constraint failed: {diag.table_name}.{diag.column_name}"
        )
    return sqlite3.IntegrityError(f"CHECK constraint failed: {diag.constraint_name}")


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    conn.adapters.register_loader("numeric", _NumericLoader)
    conn.adapters.register_dumper(list, _ArrayLiteralDumper)


class PgDatabase:
    """The pool. Reads run on any pooled connection outside a transaction (autocommit); each
    write runs in one transaction. No application-level write lock: PostgreSQL's row locks let
    writers of different rows run at once, across this process's tasks and other nodes."""

    def __init__(self, pool: AsyncConnectionPool[Any], url: str) -> None:
        self.pool = pool
        self.url = url
        self.path = url
        self._checking: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, url: str, *, min_size: int = 2, max_size: int = 10) -> PgDatabase:
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=WAIT_SECONDS,
            reconnect_timeout=RECONNECT_SECONDS,
            open=False,
            configure=_configure,
            kwargs={
                "autocommit": True,
                "row_factory": _row_factory,
                "prepare_threshold": 2,
            },
            name="chirp-store",
        )
        await pool.open(wait=True, timeout=30)
        db = cls(pool, url)
        try:
            await apply_migrations(db)
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        if self._checking is not None:
            self._checking.cancel()
        await self.pool.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """A pooled connection. A connection lost (the server restarted) tells that the idle
        ones are likely lost too: they are checked at once, in the background, so that the
        requests after the server's return do not each fail on one of them."""
        try:
            async with self.pool.connection() as conn:
                yield conn
        except psycopg.OperationalError:
            if self._checking is None or self._checking.done():
                self._checking = asyncio.create_task(self.pool.check(), name="chirp-pool-check")
            raise

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        statement = translate(sql, isinstance(params, dict))
        if statement is None:
            return []
        async with self.connection() as conn:
            return (await run(conn, statement, params))._rows

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return next(iter(await self.fetchall(sql, params)), None)

    # The SQLite store runs short bounded reads on the loop's thread; here every read is
    # a round trip on the pool alike.
    fetchall_now = fetchall
    fetchone_now = fetchone

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One transaction, rolled back on any exception (no partial writes)."""
        async with self.connection() as conn, conn.transaction():
            yield Transaction(conn)

    async def write(self, body: Callable[[Transaction], Awaitable[T]]) -> T:
        """`body` in one transaction. A body that catches a failed statement and goes on
        (SQLite lets a transaction continue; PostgreSQL aborts it) is run again from the start
        with a savepoint around each statement. A transaction the server aborted to break a
        deadlock is run again too (SQLite's one writer has none: the same writes, concurrent
        here, may meet rows in opposite orders, e.g. an unfollow's cleanup and a feed's trim)."""
        attempt = 1
        while True:
            try:
                return await self._write_once(body)
            except errors.DeadlockDetected:
                if attempt >= DEADLOCK_ATTEMPTS:
                    raise
                log.warning("deadlock, the transaction runs again", extra={"attempt": attempt})
                await asyncio.sleep(random.uniform(0, 0.05 * attempt))  # the two apart
                attempt += 1

    async def _write_once(self, body: Callable[[Transaction], Awaitable[T]]) -> T:
        try:
            async with self.connection() as conn, conn.transaction():
                return await body(Transaction(conn))
        except SwallowedError:
            async with self.connection() as conn, conn.transaction():
                return await body(Transaction(conn, savepoints=True))

    write_now = write

    async def write_each(
        self, bodies: Sequence[Callable[[Transaction], Awaitable[object]]]
    ) -> None:
        """Each body its own transaction, in order."""
        for body in bodies:
            await self.write(body)

    async def write_side_by_side(
        self, bodies: Sequence[Callable[[Transaction], Awaitable[object]]], at_once: int
    ) -> None:
        """Each body its own transaction, up to `at_once` of them at a time on as many pooled
        connections, for writes that touch different rows (no order between them)."""
        if len(bodies) <= 1:
            return await self.write_each(bodies)
        room = asyncio.Semaphore(at_once)

        async def one(body: Callable[[Transaction], Awaitable[object]]) -> None:
            async with room:
                await self.write(body)

        async with asyncio.TaskGroup() as group:
            for body in bodies:
                group.create_task(one(body))


async def apply_migrations(db: PgDatabase) -> None:
    """Apply the `migrations/NNNN_name.sql` files not yet recorded, all in one transaction
    under an advisory lock: nodes starting together migrate once, and the others wait and
    find the work done."""
    async with db.pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        cursor = await conn.execute("SELECT version FROM schema_migrations")
        applied = {row[0] for row in await cursor.fetchall()}
        for version, name, sql in migration_files():
            if version in applied:
                continue
            log.info("applying schema migration", extra={"version": version, "migration": name})
            await conn.execute(sql.encode())  # a script: no parameters, several statements
            await conn.execute(
                "INSERT INTO schema_migrations(version, name) VALUES (%s, %s)", (version, name)
            )


def migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("chirp.storage.postgresql") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version, _, name = entry.name.removesuffix(".sql").partition("_")
            found.append((int(version), name, entry.read_text(encoding="utf-8")))
    return sorted(found)
