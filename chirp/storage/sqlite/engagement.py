"""Likes, bookmarks and pins in SQLite. Counters change in the same transaction as the row."""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.ids import id_time
from chirp.core.models import Event, Page
from chirp.core.ports.engagement import ViewerState
from chirp.core.ports.errors import MissingRecord
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order
from chirp.storage.sqlite.statuses import record_event

# `?1` is the viewer, `{ids}` the numbered parameters ?2.. of the status ids: the text depends on
# the number of ids only, so sqlite3's statement cache reuses the compiled query (with the ids
# inlined, compiling these four selects cost three times as much as running them, measured).
_VIEWER_STATE = (
    "SELECT 'f', status_id FROM favourites WHERE account_id = ?1 AND status_id IN ({ids})"
    " UNION ALL SELECT 'r', reblog_of_id FROM statuses WHERE account_id = ?1 AND reblog_of_id IN ({ids})"
    " UNION ALL SELECT 'b', status_id FROM bookmarks WHERE account_id = ?1 AND status_id IN ({ids})"
    " UNION ALL SELECT 'p', status_id FROM pins WHERE account_id = ?1 AND status_id IN ({ids})"
)


class SqliteEngagement(SqliteBase):
    async def add_favourite(
        self, favourite_id: int, account_id: int, status_id: int, *, event: Event
    ) -> bool:
        async with self.db.transaction() as tx:
            async with tx.execute("SELECT 1 FROM statuses WHERE id = ?", (status_id,)) as cursor:
                if await cursor.fetchone() is None:
                    raise MissingRecord(f"status {status_id}")
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO favourites(id, account_id, status_id) VALUES (?,?,?)",
                (favourite_id, account_id, status_id),
            )
            if cursor.rowcount != 1:
                return False
            await tx.execute(
                "UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = ?",
                (status_id,),
            )
            await record_event(tx, event, id_time(favourite_id))
            return True

    async def remove_favourite(self, account_id: int, status_id: int, *, event: Event) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM favourites WHERE account_id = ? AND status_id = ?",
                (account_id, status_id),
            )
            if cursor.rowcount != 1:
                return False
            await tx.execute(
                "UPDATE statuses SET favourites_count = max(0, favourites_count - 1) WHERE id = ?",
                (status_id,),
            )
            await record_event(tx, event, id_time(event.id))
            return True

    async def _add_marker(self, table: str, row_id: int, account_id: int, status_id: int) -> bool:
        async with self.db.transaction() as tx:
            async with tx.execute("SELECT 1 FROM statuses WHERE id = ?", (status_id,)) as cursor:
                if await cursor.fetchone() is None:
                    raise MissingRecord(f"status {status_id}")
            cursor = await tx.execute(
                f"INSERT OR IGNORE INTO {table}(id, account_id, status_id) VALUES (?,?,?)",
                (row_id, account_id, status_id),
            )
            return cursor.rowcount == 1

    async def _remove_marker(self, table: str, account_id: int, status_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                f"DELETE FROM {table} WHERE account_id = ? AND status_id = ?",
                (account_id, status_id),
            )
            return cursor.rowcount == 1

    async def add_bookmark(self, bookmark_id: int, account_id: int, status_id: int) -> bool:
        return await self._add_marker("bookmarks", bookmark_id, account_id, status_id)

    async def remove_bookmark(self, account_id: int, status_id: int) -> bool:
        return await self._remove_marker("bookmarks", account_id, status_id)

    async def add_pin(self, pin_id: int, account_id: int, status_id: int) -> bool:
        return await self._add_marker("pins", pin_id, account_id, status_id)

    async def remove_pin(self, account_id: int, status_id: int) -> bool:
        return await self._remove_marker("pins", account_id, status_id)

    async def count_pins(self, account_id: int) -> int:
        return int(
            await self.db.fetchval("SELECT count(*) FROM pins WHERE account_id = ?", (account_id,))
        )

    async def get_viewer_state(self, account_id: int, status_ids: Iterable[int]) -> ViewerState:
        ids = list(dict.fromkeys(status_ids))
        state = ViewerState()
        if not ids:
            return state
        marks = ",".join(f"?{n}" for n in range(2, len(ids) + 2))
        rows = await self.db.fetchall_now(_VIEWER_STATE.format(ids=marks), [account_id, *ids])
        buckets = {
            "f": state.favourited,
            "r": state.reblogged,
            "b": state.bookmarked,
            "p": state.pinned,
        }
        for kind, status_id in rows:
            buckets[kind].add(status_id)
        return state

    async def _page_pairs(
        self, sql: str, key: int, page: Page, column: str
    ) -> list[tuple[int, int]]:
        bounds, params = page_bounds(page, column)
        rows = await self.db.fetchall(
            sql.format(bounds=bounds, order=page_order(page)), [key, *params, page.limit]
        )
        return [(row[0], row[1]) for row in newest_first(page, rows)]

    async def list_favourited_by(self, status_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._page_pairs(
            "SELECT id, account_id FROM favourites WHERE status_id = ? AND {bounds} ORDER BY id {order} LIMIT ?",
            status_id,
            page,
            "id",
        )

    async def list_reblogged_by(self, status_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._page_pairs(
            "SELECT id, account_id FROM statuses WHERE reblog_of_id = ? AND {bounds} ORDER BY id {order} LIMIT ?",
            status_id,
            page,
            "id",
        )

    async def list_favourites(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._page_pairs(
            "SELECT id, status_id FROM favourites WHERE account_id = ? AND {bounds} ORDER BY id {order} LIMIT ?",
            account_id,
            page,
            "id",
        )

    async def list_bookmarks(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        return await self._page_pairs(
            "SELECT id, status_id FROM bookmarks WHERE account_id = ? AND {bounds} ORDER BY id {order} LIMIT ?",
            account_id,
            page,
            "id",
        )

    async def recent_engagements(self, since_id: int, limit: int) -> list[tuple[int, str, int]]:
        rows = await self.db.fetchall(
            "SELECT f.status_id, 'favourite', f.id FROM favourites f JOIN statuses s ON s.id = f.status_id"
            " WHERE f.id > :since AND s.visibility = 'public'"
            " UNION ALL SELECT reblog_of_id, 'reblog', id FROM statuses"
            " WHERE id > :since AND reblog_of_id IS NOT NULL AND visibility = 'public'"
            " UNION ALL SELECT in_reply_to_id, 'reply', id FROM statuses"
            " WHERE id > :since AND in_reply_to_id IS NOT NULL AND visibility IN ('public', 'unlisted')"
            " UNION ALL SELECT quote_of_id, 'quote', id FROM statuses"
            " WHERE id > :since AND quote_of_id IS NOT NULL AND visibility IN ('public', 'unlisted')"
            " ORDER BY 3 DESC LIMIT :limit",
            {"since": since_id, "limit": limit},
        )
        return [(row[0], row[1], row[2]) for row in rows]
