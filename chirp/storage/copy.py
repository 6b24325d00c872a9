"""`chirp db copy`: what every copy between stores shares (reading a SQL store's rows, the
progress bar, the report, the spot checks), and the copy between the two SQL stores.

SQLite and PostgreSQL hold the same tables with the same columns (the PostgreSQL schema is the
SQLite one's, typed for PostgreSQL), so a copy between them moves rows as they are, table by
table in key order, in batches of multi-row INSERTs; derived data is rebuilt on the target
(SQLite's full-text index; PostgreSQL's `search` column keeps itself, its identity sequences
are moved past the copied ids). A copy into MongoDB is `mongodb/copy.py`."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from chirp.core.models import Page
from chirp.core.ports.store import Store

BATCH = 1000
SPOT_CHECKS = 25
ROWS_PER_INSERT = 200


def store_kind(url: str) -> str | None:
    """sqlite, postgresql or mongodb (None: not a store URL)."""
    for kind, schemes in (
        ("sqlite", ("sqlite://",)),
        ("postgresql", ("postgresql://", "postgres://")),
        ("mongodb", ("mongodb://", "mongodb+srv://")),
    ):
        if url.startswith(schemes):
            return kind
    return None


class ReadConnection(Protocol):
    """A read-only connection to a SQL store, as `sqlite3.Connection` offers it."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def close(self) -> None: ...


class PgReadConnection:
    """A PostgreSQL store read with the SQLite store's queries (`dialect.translate`), in one
    repeatable-read transaction: the copy sees one moment of a store that may still be in use."""

    def __init__(self, url: str) -> None:
        import psycopg

        from chirp.storage.postgresql.db import _row_factory

        self._conn = psycopg.connect(
            url, cursor_factory=psycopg.ClientCursor, row_factory=_row_factory
        )
        self._conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        from chirp.storage.postgresql.dialect import translate

        statement = translate(sql)
        assert statement is not None
        return self._conn.execute(statement.sql, statement.values(params))

    def close(self) -> None:
        self._conn.rollback()
        self._conn.close()


def connect_source(url: str) -> ReadConnection:
    """The SQL store at `url`, read-only (a SQLite store with its home feeds' file)."""
    if store_kind(url) == "postgresql":
        return PgReadConnection(url)
    from chirp.storage.mongodb.copy import connect_read_only

    return connect_read_only(sqlite_path(url))


def sqlite_path(url: str) -> str:
    """The file of a `sqlite:///path` URL, as `open_store` reads it."""
    return url.removeprefix("sqlite://").removeprefix("/")


def batches(conn: ReadConnection, sql: str) -> Iterator[list[Any]]:
    cursor = conn.execute(sql)
    while batch := cursor.fetchmany(BATCH):
        yield batch


def count(conn: ReadConnection, sql: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0])


class CopyRefused(Exception):
    """The copy cannot start (the target already holds data)."""


@dataclass(slots=True)
class CopyReport:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # part: (source, target)
    checked: dict[str, int] = field(default_factory=dict)  # what: how many compared
    mismatches: list[str] = field(default_factory=list)
    source: str = "sqlite"
    target: str = "mongodb"

    @property
    def ok(self) -> bool:
        return not self.mismatches and all(a == b for a, b in self.counts.values())


class Progress:
    """A one-line text progress bar on a terminal (plain lines otherwise)."""

    def __init__(self, total: int, out: TextIO, width: int = 30) -> None:
        self.total, self.done, self.out, self.width = max(total, 1), 0, out, width
        self.live = out.isatty()
        self._shown = -1

    def advance(self, n: int, label: str) -> None:
        self.done += n
        percent = self.done * 100 // self.total
        if not self.live and percent // 10 == self._shown // 10 and self.done < self.total:
            return  # a log, not a terminal: a line per 10 %
        self._shown = percent
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\r" if self.live and self.done < self.total else "\n"
        self.out.write(f"[{bar}] {percent:3d}% {self.done}/{self.total} {label:<20}{end}")
        self.out.flush()


def sample(conn: ReadConnection | sqlite3.Connection) -> dict[str, list[Any]]:
    """Records to spot-check, picked at random from the source."""

    def pick(sql: str) -> list[Any]:
        rows = [tuple(row) for row in conn.execute(sql).fetchall()]
        return random.sample(rows, min(SPOT_CHECKS, len(rows)))

    return {
        "accounts": pick("SELECT id FROM accounts"),
        "statuses": pick("SELECT id FROM statuses"),
        "follows": pick("SELECT account_id, target_account_id FROM follows"),
        "favourites": pick("SELECT account_id, status_id FROM favourites"),
        "feeds": pick("SELECT DISTINCT owner_id FROM home_feed"),
        "media": pick("SELECT id FROM media_attachments"),
        "streams": pick("SELECT id FROM live_streams"),
    }


async def spot_check(
    source: Store, target: Store, picked: dict[str, list[Any]], report: CopyReport
) -> None:
    """Read the sampled records through the storage port from both stores and compare."""

    async def compare(what: str, key: object, method: str, *args: Any, **kwargs: Any) -> None:
        a, b = [await getattr(store, method)(*args, **kwargs) for store in (source, target)]
        report.checked[what] = report.checked.get(what, 0) + 1
        if a != b:
            report.mismatches.append(
                f"{what} {key}: {report.source} {a!r} != {report.target} {b!r}"
            )

    for (account_id,) in picked["accounts"]:
        await compare("account", account_id, "get_account", account_id)
        await compare("credentials", account_id, "get_credentials", account_id)
    for (status_id,) in picked["statuses"]:
        await compare("status", status_id, "get_status", status_id)
        await compare("edits", status_id, "get_status_edits", status_id)
    for account_id, target_id in picked["follows"]:
        pair = (account_id, target_id)
        await compare("relationship", pair, "get_relationships", account_id, [target_id])
    for account_id, status_id in picked["favourites"]:
        pair = (account_id, status_id)
        await compare("viewer state", pair, "get_viewer_state", account_id, [status_id])
    for (owner_id,) in picked["feeds"]:
        await compare(
            "home timeline",
            owner_id,
            "home_timeline",
            owner_id,
            Page(limit=40),
        )
    for (media_id,) in picked["media"]:
        await compare("media", media_id, "get_media", media_id)
    for (stream_id,) in picked["streams"]:
        await compare("live stream", stream_id, "get_live_stream", stream_id)


def format_report(report: CopyReport) -> str:
    source, target = f"{report.source} rows", f"{report.target} rows"
    if report.target == "mongodb":
        target = "mongodb docs"
    lines = [f"{'part':<26}{source:>16}{target:>16}"]
    for part, (rows, copied) in report.counts.items():
        flag = "" if rows == copied else "  MISMATCH"
        lines.append(f"{part:<26}{rows:>16}{copied:>16}{flag}")
    checked = ", ".join(f"{n} {what}" for what, n in report.checked.items()) or "nothing to check"
    lines.append(f"spot checks: {checked}: {len(report.mismatches)} mismatches")
    lines += [f"  {m}" for m in report.mismatches[:20]]
    return "\n".join(lines)


# The SQL stores' tables, parents before children (foreign keys), each with its key order.
SQL_TABLES = (
    ("apps", "id"),
    ("accounts", "id"),
    ("credentials", "account_id"),
    ("tokens", "id"),
    ("authorization_codes", "digest"),
    ("statuses", "id"),
    ("status_mentions", "status_id, account_id"),
    ("tags", "id"),
    ("status_tags", "tag_id, status_id"),
    ("status_edits", "id"),
    ("status_links", "link_key, status_id"),
    ("favourites", "id"),
    ("bookmarks", "id"),
    ("pins", "id"),
    ("follows", "id"),
    ("follow_requests", "id"),
    ("account_notes", "account_id, target_account_id"),
    ("live_streams", "id"),
    ("stream_keys", "account_id"),
    ("live_viewers", "stream_id, viewer"),
    ("live_chat", "id"),
    ("live_chat_bans", "streamer_id, account_id"),
    ("live_chat_moderators", "streamer_id, account_id"),
    ("live_viewer_history", "stream_id, minute_ms"),
    ("reports", "id"),
    ("notifications", "id"),
    ("notification_policies", "account_id"),
    ("notification_requests", "id"),
    ("notification_permissions", "account_id, from_account_id"),
    ("conversation_mutes", "account_id, conversation_id"),
    ("idempotency_keys", "account_id, key"),
    ("outbox", "id"),
    ("scheduled_statuses", "id"),
    ("media_attachments", "id"),
    ("tag_follows", "id"),
    ("featured_tags", "id"),
    ("markers", "account_id, timeline"),
    ("custom_emojis", "shortcode"),
    ("announcements", "id"),
    ("announcement_reactions", "announcement_id, account_id, name"),
    ("announcement_dismissals", "account_id, announcement_id"),
    ("account_blocks", "id"),
    ("account_mutes", "id"),
    ("account_moderation", "account_id"),
    ("audit_log", "id"),
    ("polls", "id"),
    ("poll_options", "poll_id, position"),
    ("poll_votes", "poll_id, account_id, choice"),
    ("poll_voters", "poll_id, account_id"),
    ("push_subscriptions", "id"),
    ("instance_secrets", "name"),
    ("lists", "id"),
    ("list_accounts", "list_id, account_id"),
    ("list_feed", "list_id, status_id"),
    ("conversations", "id"),
    ("conversation_statuses", "conversation_id, status_id"),
    ("filters", "id"),
    ("filter_keywords", "id"),
    ("filter_statuses", "id"),
    ("filter_versions", "account_id"),
    ("preview_cards", "link_key"),
    ("home_feed", "owner_id, status_id"),
)
# Computed by the target itself.
_GENERATED = {"search"}


class _SqlTarget:
    """Writes rows into a SQL store just opened (and migrated) by `open_store`."""

    def __init__(self, store: Any, kind: str) -> None:
        self.store = store
        self.kind = kind

    def _db(self, table: str) -> Any:
        # SQLite keeps the home feeds in a file of their own.
        return self.store.feeds if table == "home_feed" else self.store.db

    async def holds_rows(self, table: str) -> bool:
        return await self._db(table).fetchone(f"SELECT 1 FROM {table} LIMIT 1") is not None

    async def insert(self, table: str, columns: list[str], rows: list[Sequence[Any]]) -> None:
        if self.kind == "postgresql":  # COPY: the bulk path, no statement per row
            names = ", ".join(columns)
            async with self.store.pg.pool.connection() as conn, conn.transaction():
                cursor = conn.cursor()
                async with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        await copy.write_row(row)
            return
        marks = "(" + ",".join("?" for _ in columns) + ")"
        names = ", ".join(columns)
        async with self._db(table).transaction() as tx:
            for start in range(0, len(rows), ROWS_PER_INSERT):
                chunk = rows[start : start + ROWS_PER_INSERT]
                await tx.execute(
                    f"INSERT INTO {table}({names}) VALUES {','.join(marks for _ in chunk)}",
                    [value for row in chunk for value in row],
                )

    async def count(self, table: str) -> int:
        return int(await self._db(table).fetchval(f"SELECT count(*) FROM {table}"))

    async def finish(self) -> None:
        if self.kind == "sqlite":
            async with self.store.db.transaction() as tx:
                await tx.execute("INSERT INTO status_search(status_search) VALUES ('rebuild')")
            return
        for table, key in SQL_TABLES:
            if key == "id":
                await self.store.db.fetchone(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" greatest((SELECT max(id) FROM {table}), 1))"
                )


async def copy_sql_to_sql(
    source_url: str, target: Store, target_kind: str, out: TextIO
) -> CopyReport:
    """Copy every table of the SQL store at `source_url` into `target` (a SQL store that
    holds no Chirp data yet); then count and spot-check."""
    from chirp.storage import open_store

    writer = _SqlTarget(target, target_kind)
    for table, _ in SQL_TABLES:
        if await writer.holds_rows(table):
            raise CopyRefused(f"the target already holds {table}: copy into an empty store")
    source = await open_store(source_url)  # applies pending migrations
    report = CopyReport(source=store_kind(source_url) or "source", target=target_kind)
    try:
        conn = connect_source(source_url)
        try:
            queries = {table: f"SELECT * FROM {table} ORDER BY {key}" for table, key in SQL_TABLES}
            totals = {table: count(conn, sql) for table, sql in queries.items()}
            progress = Progress(sum(totals.values()), out)
            for table, sql in queries.items():
                for batch in batches(conn, sql):
                    keys = [k for k in batch[0].keys() if k not in _GENERATED]  # noqa: SIM118 (a row)
                    at = [batch[0].keys().index(k) for k in keys]
                    await writer.insert(table, keys, [[row[i] for i in at] for row in batch])
                    progress.advance(len(batch), table)
                report.counts[table] = (totals[table], await writer.count(table))
            await writer.finish()
            picked = sample(conn)
        finally:
            conn.close()
        await spot_check(source, target, picked, report)
        return report
    finally:
        await source.close()
