"""The link timeline in SQLite: `status_links` (migration 0013), written with each tweet."""

from __future__ import annotations

from chirp.core.models import Page
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order


class SqliteLinks(SqliteBase):
    async def link_timeline(self, link_key: str, page: Page) -> list[int]:
        bounds, params = page_bounds(page, "l.status_id")
        rows = await self.db.fetchall(
            "SELECT l.status_id FROM status_links l JOIN statuses s ON s.id = l.status_id"
            f" WHERE l.link_key = ? AND {bounds} AND s.visibility = 'public'"
            f" AND s.reblog_of_id IS NULL ORDER BY l.status_id {page_order(page)} LIMIT ?",
            [link_key, *params, page.limit],
        )
        return [row[0] for row in newest_first(page, rows)]
