"""Link preview cards in SQLite: `preview_cards` (migration 0028), one JSON body per link;
the links tweets shared come from `status_links` (migration 0013)."""

from __future__ import annotations

from collections.abc import Iterable

import aiosqlite
import orjson

from chirp.core.models import PreviewCard
from chirp.storage.card_records import card_body, card_from_body
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts
from chirp.storage.sqlite.db import placeholders


class SqliteCards(SqliteBase):
    async def get_cards(self, link_keys: Iterable[str]) -> dict[str, PreviewCard]:
        keys = list(dict.fromkeys(link_keys))
        if not keys:
            return {}
        rows = await self.db.fetchall(
            f"SELECT body FROM preview_cards WHERE link_key IN ({placeholders(keys)})",
            keys,
        )
        cards = (card_from_body(orjson.loads(row["body"])) for row in rows)
        return {card.link_key: card for card in cards}

    async def save_card(self, card: PreviewCard) -> PreviewCard | None:
        async def write(tx: aiosqlite.Connection) -> PreviewCard | None:
            async with tx.execute(
                "SELECT body FROM preview_cards WHERE link_key = ?", (card.link_key,)
            ) as cursor:
                old = await cursor.fetchone()
            await tx.execute(
                "INSERT INTO preview_cards(link_key, url, body, fetched_at, failed)"
                " VALUES (?,?,?,?,?) ON CONFLICT(link_key) DO UPDATE SET url = excluded.url,"
                " body = excluded.body, fetched_at = excluded.fetched_at,"
                " failed = excluded.failed",
                (
                    card.link_key,
                    card.url,
                    orjson.dumps(card_body(card)).decode(),
                    ts(card.fetched_at),
                    card.failed,
                ),
            )
            return card_from_body(orjson.loads(old[0])) if old is not None else None

        return await self.db.write(write)

    async def link_uses(self, since_id: int, limit: int) -> list[tuple[str, int, int]]:
        rows = await self.db.fetchall(
            "SELECT l.link_key, s.id, s.account_id FROM statuses s"
            " JOIN status_links l ON l.status_id = s.id"
            " WHERE s.id > ? AND s.visibility = 'public' AND s.reblog_of_id IS NULL"
            " ORDER BY s.id DESC LIMIT ?",
            (since_id, limit),
        )
        return [(row[0], row[1], row[2]) for row in rows]
