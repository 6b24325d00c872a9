"""Media attachments in SQLite: rows that say which blobs belong to which upload and tweet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite
import orjson

from chirp.core.models import MediaAttachment
from chirp.core.ports.media import MediaNotAttachable
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders


def media_from_row(row: Row) -> MediaAttachment:
    return MediaAttachment(
        id=row["id"],
        account_id=row["account_id"],
        status_id=row["status_id"],
        type=row["type"],
        state=row["state"],
        content_type=row["content_type"],
        file_key=row["file_key"],
        preview_key=row["preview_key"],
        thumbnail_key=row["thumbnail_key"],
        meta=orjson.loads(row["meta"]),
        blurhash=row["blurhash"],
        description=row["description"],
        focus=(row["focus_x"], row["focus_y"]),
        error=row["error"],
        created_at=req_dt(row["created_at"]),
        updated_at=req_dt(row["updated_at"]),
    )


async def attach_media(
    tx: aiosqlite.Connection,
    status_id: int,
    account_id: int,
    media_ids: Sequence[int],
    at: datetime,
) -> None:
    """Inside the tweet's transaction: every id must be the author's, ready and unattached."""
    if not media_ids:
        return
    cursor = await tx.execute(
        "UPDATE media_attachments SET status_id = ?, updated_at = ?"
        f" WHERE id IN ({placeholders(media_ids)}) AND account_id = ? AND status_id IS NULL"
        " AND scheduled_status_id IS NULL AND state = 'ready'",
        [status_id, ts(at), *media_ids, account_id],
    )
    if cursor.rowcount != len(set(media_ids)):
        raise MediaNotAttachable("media")


async def detach_media(
    tx: aiosqlite.Connection, status_id: int, media_ids: Sequence[int], at: datetime
) -> None:
    if media_ids:
        await tx.execute(
            "UPDATE media_attachments SET status_id = NULL, updated_at = ?"
            f" WHERE status_id = ? AND id IN ({placeholders(media_ids)})",
            [ts(at), status_id, *media_ids],
        )


class SqliteMedia(SqliteBase):
    async def create_media(self, media: MediaAttachment) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO media_attachments(id, account_id, status_id, type, state, content_type,"
                " file_key, preview_key, thumbnail_key, meta, blurhash, description, focus_x,"
                " focus_y, error, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    media.id,
                    media.account_id,
                    media.status_id,
                    media.type,
                    media.state,
                    media.content_type,
                    media.file_key,
                    media.preview_key,
                    media.thumbnail_key,
                    orjson.dumps(media.meta).decode(),
                    media.blurhash,
                    media.description,
                    media.focus[0],
                    media.focus[1],
                    media.error,
                    ts(media.created_at),
                    ts(media.updated_at),
                ),
            )

    async def get_media(self, media_id: int) -> MediaAttachment | None:
        row = await self.db.fetchone("SELECT * FROM media_attachments WHERE id = ?", (media_id,))
        return media_from_row(row) if row else None

    async def get_media_batch(self, media_ids: Iterable[int]) -> dict[int, MediaAttachment]:
        ids = list(dict.fromkeys(media_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall_now(
            f"SELECT * FROM media_attachments WHERE id IN ({placeholders(ids)})", ids
        )
        return {row["id"]: media_from_row(row) for row in rows}

    async def update_media(self, media: MediaAttachment) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE media_attachments SET state = ?, content_type = ?, file_key = ?,"
                " preview_key = ?, thumbnail_key = ?, meta = ?, blurhash = ?, description = ?,"
                " focus_x = ?, focus_y = ?, error = ?, updated_at = ?"
                " WHERE id = ? AND state != 'deleting'",
                (
                    media.state,
                    media.content_type,
                    media.file_key,
                    media.preview_key,
                    media.thumbnail_key,
                    orjson.dumps(media.meta).decode(),
                    media.blurhash,
                    media.description,
                    media.focus[0],
                    media.focus[1],
                    media.error,
                    ts(media.updated_at),
                    media.id,
                ),
            )
            return cursor.rowcount == 1

    async def claim_unattached_media(
        self, *, before: datetime, now: datetime, limit: int
    ) -> list[MediaAttachment]:
        async with (
            self.db.transaction() as tx,
            tx.execute(
                "UPDATE media_attachments SET state = 'deleting', updated_at = ?"
                " WHERE id IN (SELECT id FROM media_attachments"
                "  WHERE status_id IS NULL AND scheduled_status_id IS NULL AND updated_at < ?"
                " ORDER BY updated_at LIMIT ?)"
                " RETURNING *",
                (ts(now), ts(before), limit),
            ) as cursor,
        ):
            return [media_from_row(row) for row in await cursor.fetchall()]

    async def delete_media(self, media_ids: Iterable[int]) -> int:
        ids = list(dict.fromkeys(media_ids))
        if not ids:
            return 0
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                f"DELETE FROM media_attachments WHERE id IN ({placeholders(ids)})", ids
            )
            return max(cursor.rowcount, 0)

    async def claim_own_media(
        self, account_id: int, media_id: int, now: datetime
    ) -> MediaAttachment | None:
        async with (
            self.db.transaction() as tx,
            tx.execute(
                "UPDATE media_attachments SET state = 'deleting', updated_at = ?"
                " WHERE id = ? AND account_id = ? AND status_id IS NULL"
                " AND scheduled_status_id IS NULL AND state != 'deleting'"
                " RETURNING *",
                (ts(now), media_id, account_id),
            ) as cursor,
        ):
            row = await cursor.fetchone()
            return None if row is None else media_from_row(row)
