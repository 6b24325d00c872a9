"""SQLite plumbing: short reads on the event loop's thread, and their way around a lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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
