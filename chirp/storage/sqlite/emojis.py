"""Custom emojis in SQLite (`custom_emojis`, keyed by shortcode)."""

from __future__ import annotations

import sqlite3

import aiosqlite

from chirp.core.models import CustomEmoji
from chirp.core.ports.errors import UniqueViolation
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts
from chirp.storage.sqlite.db import Row


def emoji_from_row(row: Row) -> CustomEmoji:
    return CustomEmoji(
        shortcode=row["shortcode"],
        image_key=row["image_key"],
        static_key=row["static_key"],
        created_at=req_dt(row["created_at"]),
        category=row["category"],
        visible_in_picker=bool(row["visible_in_picker"]),
    )


class SqliteCustomEmojis(SqliteBase):
    async def create_custom_emoji(self, emoji: CustomEmoji) -> None:
        try:
            async with self.db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO custom_emojis(shortcode, image_key, static_key, category,"
                    " visible_in_picker, created_at) VALUES (?,?,?,?,?,?)",
                    (
                        emoji.shortcode,
                        emoji.image_key,
                        emoji.static_key,
                        emoji.category,
                        int(emoji.visible_in_picker),
                        ts(emoji.created_at),
                    ),
                )
        except sqlite3.IntegrityError as error:
            raise UniqueViolation("shortcode") from error

    async def delete_custom_emoji(self, shortcode: str) -> CustomEmoji | None:
        async def write(tx: aiosqlite.Connection) -> CustomEmoji | None:
            cursor = await tx.execute(
                "DELETE FROM custom_emojis WHERE shortcode = ? RETURNING *", (shortcode,)
            )
            row = await cursor.fetchone()
            return emoji_from_row(row) if row else None

        return await self.db.write(write)

    async def list_custom_emojis(self) -> list[CustomEmoji]:
        rows = await self.db.fetchall("SELECT * FROM custom_emojis ORDER BY shortcode")
        return [emoji_from_row(row) for row in rows]
