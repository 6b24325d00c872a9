"""Tweets, their entities, edit history and threads in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import orjson

from chirp.core.models import Event, Status, StatusEdit
from chirp.core.ports.errors import MissingRecord
from chirp.core.text import status_link_keys, tag_key
from chirp.storage.sqlite.base import SqliteBase, unique_violation
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders, statement
from chirp.storage.sqlite.media import attach_media, detach_media
from chirp.storage.sqlite.timelines import remove_from_feeds

# Column order of `STATUS_COLUMNS`, read by position in `status_from_values`.
_STATUS_FIELDS = (
    "id",
    "account_id",
    "visibility",
    "created_at",
    "text",
    "content",
    "spoiler_text",
    "sensitive",
    "language",
    "in_reply_to_id",
    "in_reply_to_account_id",
    "reblog_of_id",
    "quote_of_id",
    "conversation_id",
    "mention_ids",
    "tags",
    "application_id",
    "replies_count",
    "reblogs_count",
    "favourites_count",
    "quotes_count",
    "edited_at",
    "media_ids",
)
STATUS_COLUMNS = ", ".join(_STATUS_FIELDS)


def status_from_row(row: Row) -> Status:
    """From any row holding the status columns by name (`SELECT *`, `RETURNING *`)."""
    return status_from_values(tuple(row[name] for name in _STATUS_FIELDS))


def status_from_values(values: Sequence[Any]) -> Status:
    """From a row of `SELECT {STATUS_COLUMNS}`, by position: the hot path of every page of
    tweets (no lookups by name, no per-row helper calls)."""
    (
        status_id,
        account_id,
        visibility,
        created_at,
        text,
        content,
        spoiler_text,
        sensitive,
        language,
        in_reply_to_id,
        in_reply_to_account_id,
        reblog_of_id,
        quote_of_id,
        conversation_id,
        mention_ids,
        tags,
        application_id,
        replies_count,
        reblogs_count,
        favourites_count,
        quotes_count,
        edited_at,
        media_ids,
    ) = values
    return Status(
        id=status_id,
        account_id=account_id,
        visibility=visibility,
        created_at=datetime.fromisoformat(created_at),
        text=text,
        content=content,
        spoiler_text=spoiler_text,
        sensitive=bool(sensitive),
        language=language,
        in_reply_to_id=in_reply_to_id,
        in_reply_to_account_id=in_reply_to_account_id,
        reblog_of_id=reblog_of_id,
        quote_of_id=quote_of_id,
        conversation_id=conversation_id,
        mention_ids=tuple(map(int, mention_ids.split())) if mention_ids else (),
        tags=tuple(tags.split()) if tags else (),
        application_id=application_id,
        replies_count=replies_count,
        reblogs_count=reblogs_count,
        favourites_count=favourites_count,
        quotes_count=quotes_count,
        edited_at=None if edited_at is None else datetime.fromisoformat(edited_at),
        media_ids=tuple(map(int, media_ids.split())) if media_ids else (),
    )


def edit_from_row(row: Row) -> StatusEdit:
    return StatusEdit(
        id=row["id"],
        status_id=row["status_id"],
        account_id=row["account_id"],
        text=row["text"],
        content=row["content"],
        spoiler_text=row["spoiler_text"],
        sensitive=bool(row["sensitive"]),
        created_at=req_dt(row["created_at"]),
    )


async def record_event(tx: aiosqlite.Connection, event: Event, at: datetime) -> None:
    """Write a domain event to the outbox inside the caller's transaction."""
    await tx.execute(
        "INSERT INTO outbox(id, kind, payload, available_at) VALUES (?,?,?,?)",
        (event.id, event.kind, orjson.dumps(event.payload).decode(), ts(at)),
    )


async def _index_entities(tx: aiosqlite.Connection, status: Status) -> None:
    """Mentions, tags and the search entry of a status (called on create and edit). A statement
    per kind of row, not per row: each step on the writer's thread gives up the GIL, and under
    load waits for the busy event loop to hand it back."""
    if status.mention_ids:
        await tx.execute(
            "INSERT OR IGNORE INTO status_mentions(status_id, account_id) VALUES"
            + ",".join("(?, ?)" for _ in status.mention_ids),
            [v for account_id in status.mention_ids for v in (status.id, account_id)],
        )
    if status.tags:
        keys = [tag_key(name) for name in status.tags]
        created = ts(status.created_at)
        await tx.execute(
            "INSERT INTO tags(name, name_key, created_at) VALUES"
            + ",".join("(?,?,?)" for _ in keys)
            + " ON CONFLICT(name_key) DO NOTHING",
            [v for name, key in zip(status.tags, keys, strict=True) for v in (name, key, created)],
        )
        await tx.execute(
            "INSERT OR IGNORE INTO status_tags(tag_id, status_id, account_id, public)"
            f" SELECT id, ?, ?, ? FROM tags WHERE name_key IN ({placeholders(keys)})",
            [status.id, status.account_id, status.visibility == "public", *keys],
        )
    if status.text:
        await tx.execute(
            "INSERT INTO status_search(rowid, text) VALUES (?, ?)", (status.id, status.text)
        )
        if links := status_link_keys(status.text):
            await tx.execute(
                "INSERT OR IGNORE INTO status_links(link_key, status_id) VALUES"
                + ",".join("(?, ?)" for _ in links),
                [v for key in links for v in (key, status.id)],
            )


async def _unindex_entities(tx: aiosqlite.Connection, status: Status) -> None:
    await tx.execute("DELETE FROM status_mentions WHERE status_id = ?", (status.id,))
    await tx.execute("DELETE FROM status_tags WHERE status_id = ?", (status.id,))
    await tx.execute("DELETE FROM status_links WHERE status_id = ?", (status.id,))
    if status.text:
        await tx.execute(
            "INSERT INTO status_search(status_search, rowid, text) VALUES ('delete', ?, ?)",
            (status.id, status.text),
        )


async def _bump(
    tx: aiosqlite.Connection, status: Status, delta: int, *, posted: bool = False
) -> None:
    """Counters a status contributes to: its author's, its parent's, its quoted/original's.
    `posted`: the author's `last_status_at` moves in the same statement (one statement less
    per tweet on the writer's thread, each a GIL hand-off under load)."""
    sql = "UPDATE accounts SET statuses_count = max(0, statuses_count + ?)"
    params: list[Any] = [delta]
    if posted:
        sql += ", last_status_at = ?"
        params.append(ts(status.created_at))
    await tx.execute(f"{sql} WHERE id = ?", [*params, status.account_id])
    for column, target in (
        ("replies_count", status.in_reply_to_id),
        ("quotes_count", status.quote_of_id),
        ("reblogs_count", status.reblog_of_id),
    ):
        if target is not None:
            await tx.execute(
                f"UPDATE statuses SET {column} = max(0, {column} + ?) WHERE id = ?", (delta, target)
            )


_STATUS_COLUMNS = (
    "id, account_id, visibility, text, content, spoiler_text, sensitive, language, in_reply_to_id,"
    " in_reply_to_account_id, reblog_of_id, quote_of_id, conversation_id, mention_ids, tags,"
    " application_id, created_at, edited_at, media_ids"
)


class SqliteStatuses(SqliteBase):
    async def create_status(
        self,
        status: Status,
        *,
        event: Event,
        idempotency_key: str | None = None,
        idempotency_since: datetime | None = None,
    ) -> Status:
        async def write(tx: aiosqlite.Connection) -> None:
            if idempotency_key is not None:
                if idempotency_since is not None:
                    await tx.execute(
                        "DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND created_at < ?",
                        (status.account_id, idempotency_key, ts(idempotency_since)),
                    )
                await tx.execute(
                    "INSERT INTO idempotency_keys(account_id, key, status_id, created_at) VALUES (?,?,?,?)",
                    (status.account_id, idempotency_key, status.id, ts(status.created_at)),
                )
            for parent in (status.in_reply_to_id, status.quote_of_id, status.reblog_of_id):
                if parent is not None and not await _exists(tx, parent):
                    raise MissingRecord(f"status {parent}")
            await tx.execute(
                f"INSERT INTO statuses({_STATUS_COLUMNS}) VALUES ({placeholders(range(19))})",
                (
                    status.id,
                    status.account_id,
                    status.visibility,
                    status.text,
                    status.content,
                    status.spoiler_text,
                    status.sensitive,
                    status.language,
                    status.in_reply_to_id,
                    status.in_reply_to_account_id,
                    status.reblog_of_id,
                    status.quote_of_id,
                    status.conversation_id,
                    " ".join(map(str, status.mention_ids)),
                    " ".join(status.tags),
                    status.application_id,
                    ts(status.created_at),
                    ts(status.edited_at),
                    " ".join(map(str, status.media_ids)),
                ),
            )
            await attach_media(
                tx, status.id, status.account_id, status.media_ids, status.created_at
            )
            await _index_entities(tx, status)
            await record_event(tx, event, status.created_at)
            # Last: the author's row (and a parent's) is every post's hot spot; on PostgreSQL
            # its lock is held from here to the commit, so as few round trips as can be.
            await _bump(tx, status, +1, posted=True)

        try:
            await self.db.write_now(write)
        except sqlite3.IntegrityError as error:
            mapped = unique_violation(
                error, {"reblog_of_id": "reblog", "idempotency_keys": "idempotency_key"}
            )
            if mapped is None:
                raise
            raise mapped from error
        return status

    async def find_idempotent_status(
        self, account_id: int, key: str, since: datetime
    ) -> Status | None:
        row = await self.db.fetchone(
            "SELECT s.* FROM idempotency_keys k JOIN statuses s ON s.id = k.status_id"
            " WHERE k.account_id = ? AND k.key = ? AND k.created_at >= ?",
            (account_id, key, ts(since)),
        )
        return status_from_row(row) if row else None

    async def get_status(self, status_id: int) -> Status | None:
        # By primary key: on the loop's thread (see `fetchall_now`); the dispatcher and the
        # realtime push read a tweet per event, and a hop each through a busy loop held them back.
        row = await self.db.fetchone_now("SELECT * FROM statuses WHERE id = ?", (status_id,))
        return status_from_row(row) if row else None

    async def get_statuses(self, status_ids: Iterable[int]) -> dict[int, Status]:
        ids = list(dict.fromkeys(status_ids))
        if not ids:
            return {}
        return await self.status_records.get_many(self.db, ids)

    async def update_status(
        self, status: Status, *, history: list[StatusEdit], event: Event
    ) -> Status | None:
        async with self.db.transaction() as tx:
            async with tx.execute("SELECT * FROM statuses WHERE id = ?", (status.id,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            previous = status_from_row(row)
            await _unindex_entities(tx, previous)
            unmentioned = [m for m in previous.mention_ids if m not in status.mention_ids]
            changed_at = status.edited_at or previous.created_at
            await detach_media(
                tx,
                status.id,
                [m for m in previous.media_ids if m not in status.media_ids],
                changed_at,
            )
            await attach_media(
                tx,
                status.id,
                status.account_id,
                [m for m in status.media_ids if m not in previous.media_ids],
                changed_at,
            )
            await tx.execute(
                "UPDATE statuses SET text = ?, content = ?, spoiler_text = ?, sensitive = ?, language = ?,"
                " mention_ids = ?, tags = ?, edited_at = ?, media_ids = ? WHERE id = ?",
                (
                    status.text,
                    status.content,
                    status.spoiler_text,
                    status.sensitive,
                    status.language,
                    " ".join(map(str, status.mention_ids)),
                    " ".join(status.tags),
                    ts(status.edited_at),
                    " ".join(map(str, status.media_ids)),
                    status.id,
                ),
            )
            await _index_entities(tx, status)
            await tx.executemany(
                "INSERT INTO status_edits(id, status_id, account_id, text, content, spoiler_text,"
                " sensitive, created_at) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        e.id,
                        e.status_id,
                        e.account_id,
                        e.text,
                        e.content,
                        e.spoiler_text,
                        e.sensitive,
                        ts(e.created_at),
                    )
                    for e in history
                ],
            )
            await record_event(tx, event, status.edited_at or req_dt(row["created_at"]))
            async with tx.execute("SELECT * FROM statuses WHERE id = ?", (status.id,)) as cursor:
                updated = await cursor.fetchone()
        if previous.visibility == "direct" and unmentioned:
            # A direct tweet's feed entries are its mentions': an account no longer mentioned
            # loses it (`remove_from_feeds` will not look there; readers never show it to them
            # meanwhile: a direct tweet is visible to the accounts it mentions only).
            await self.feeds.write(
                statement(
                    "DELETE FROM home_feed WHERE status_id = ?"
                    f" AND owner_id IN ({placeholders(unmentioned)})",
                    [status.id, *unmentioned],
                )
            )
        return status_from_row(updated) if updated else None

    async def delete_status(self, status_id: int, *, event: Event) -> list[Status]:
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT * FROM statuses WHERE id = ? OR reblog_of_id = ? ORDER BY id",
                (status_id, status_id),
            ) as cursor:
                removed = [status_from_row(row) for row in await cursor.fetchall()]
            if not removed:
                return []
            for status in removed:
                await _unindex_entities(tx, status)
                if status.id == status_id or status.reblog_of_id != status_id:
                    await _bump(tx, status, -1)
                else:  # a retweet of the deleted tweet: only its author's count changes
                    await tx.execute(
                        "UPDATE accounts SET statuses_count = max(0, statuses_count - 1) WHERE id = ?",
                        (status.account_id,),
                    )
            # Detached, not deleted: the client may redraft with them; the collector takes
            # them if it does not.
            await tx.execute(
                "UPDATE media_attachments SET status_id = NULL, updated_at = ? WHERE status_id = ?",
                (ts(datetime.now(UTC)), status_id),
            )
            await tx.execute("DELETE FROM statuses WHERE id = ?", (status_id,))
            event.payload["deleted_ids"] = [s.id for s in removed]
            reblogs = [s for s in removed if s.reblog_of_id == status_id]
            event.payload["reblog_ids"] = [s.id for s in reblogs]
            event.payload["reblogger_ids"] = [s.account_id for s in reblogs]
            await record_event(tx, event, removed[0].created_at)
        await remove_from_feeds(self.db, self.feeds, removed)
        return removed

    async def get_status_edits(self, status_id: int) -> list[StatusEdit]:
        rows = await self.db.fetchall(
            "SELECT * FROM status_edits WHERE status_id = ? ORDER BY id", (status_id,)
        )
        return [edit_from_row(row) for row in rows]

    async def get_thread(
        self, status: Status, *, max_ancestors: int, max_descendants: int
    ) -> tuple[list[Status], list[Status]]:
        # Each step looks its parent up by primary key in a subquery: written as a join,
        # SQLite (3.38+) builds a Bloom filter over the whole statuses table at every step.
        ancestors = await self.db.fetchall(
            "WITH RECURSIVE up(id, depth) AS ("
            " SELECT ?, 1 UNION ALL"
            " SELECT (SELECT s.in_reply_to_id FROM statuses s WHERE s.id = up.id), up.depth + 1"
            " FROM up WHERE up.id IS NOT NULL AND up.depth <= ?)"
            " SELECT s.* FROM up JOIN statuses s ON s.id = up.id WHERE up.depth > 1 ORDER BY up.depth DESC",
            (status.id, max_ancestors),
        )
        descendants = await self.db.fetchall(
            "WITH RECURSIVE down(id, path) AS ("
            " SELECT id, printf('%020d', id) FROM statuses WHERE in_reply_to_id = ?"
            " UNION ALL SELECT s.id, down.path || '/' || printf('%020d', s.id)"
            " FROM statuses s JOIN down ON s.in_reply_to_id = down.id LIMIT ?)"
            " SELECT s.* FROM down JOIN statuses s ON s.id = down.id ORDER BY down.path",
            (status.id, max_descendants),
        )
        return [status_from_row(r) for r in ancestors], [status_from_row(r) for r in descendants]

    async def find_reblog(self, account_id: int, status_id: int) -> Status | None:
        row = await self.db.fetchone(
            "SELECT * FROM statuses WHERE reblog_of_id = ? AND account_id = ?",
            (status_id, account_id),
        )
        return status_from_row(row) if row else None

    async def get_mentioned_status_ids(
        self, account_id: int, status_ids: Iterable[int]
    ) -> set[int]:
        ids = list(dict.fromkeys(status_ids))
        if not ids:
            return set()
        rows = await self.db.fetchall_now(
            f"SELECT status_id FROM status_mentions WHERE account_id = ? AND status_id IN ({placeholders(ids)})",
            [account_id, *ids],
        )
        return {row[0] for row in rows}


async def _exists(tx: aiosqlite.Connection, status_id: int) -> bool:
    async with tx.execute("SELECT 1 FROM statuses WHERE id = ?", (status_id,)) as cursor:
        return await cursor.fetchone() is not None
