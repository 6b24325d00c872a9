"""Followed and featured hashtags in SQLite (`tag_follows`, `featured_tags`: migration 0013)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chirp.core.ids import id_time
from chirp.core.models import Event, FeaturedTag, Page, Tag
from chirp.core.text import tag_key
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import dt, req_dt, ts
from chirp.storage.sqlite.db import placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order
from chirp.storage.sqlite.statuses import record_event

# A featured tag with the account's public and unlisted uses of it (`status_tags_by_account`).
_FEATURED = (
    "SELECT id, account_id, name, created_at, uses,"
    " (SELECT created_at FROM statuses WHERE id = last) FROM"
    " (SELECT f.id, f.account_id, coalesce(t.name, f.name) AS name, f.created_at,"
    " count(s.id) AS uses, max(s.id) AS last"
    " FROM featured_tags f LEFT JOIN tags t ON t.name_key = f.name_key"
    " LEFT JOIN status_tags st ON st.account_id = f.account_id AND st.tag_id = t.id"
    " LEFT JOIN statuses s ON s.id = st.status_id AND s.visibility IN ('public', 'unlisted')"
    " WHERE f.account_id = ? GROUP BY f.id) ORDER BY uses DESC, id"
)

# The entries a tag's unfollow takes out of a feed (`remove_unfollowed_tag_from_feed`).
_UNMERGE = (
    "DELETE FROM home_feed WHERE owner_id = ?1 AND reblog_of_id IS NULL AND author_id != ?1"
    " AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id"
    " WHERE st.status_id = home_feed.status_id AND t.name_key = ?2)"
    " AND NOT EXISTS (SELECT 1 FROM follows f"
    " WHERE f.account_id = ?1 AND f.target_account_id = home_feed.author_id)"
    " AND NOT EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id"
    " JOIN tag_follows tf ON tf.account_id = ?1 AND tf.name_key = t.name_key"
    " WHERE st.status_id = home_feed.status_id)"
)


def _keys(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tag_key(name) for name in names))


class SqliteTags(SqliteBase):
    async def follow_tag(self, follow_id: int, account_id: int, name: str, at: datetime) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO tag_follows(id, account_id, name_key, created_at)"
                " VALUES (?, ?, ?, ?)",
                (follow_id, account_id, tag_key(name), ts(at)),
            )
            return bool(cursor.rowcount == 1)

    async def unfollow_tag(self, account_id: int, name: str, *, event: Event) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM tag_follows WHERE account_id = ? AND name_key = ?",
                (account_id, tag_key(name)),
            )
            if cursor.rowcount != 1:
                return False
            await record_event(tx, event, id_time(event.id))
            return True

    async def remove_unfollowed_tag_from_feed(self, owner_id: int, name: str) -> int:
        async def remove(tx: Any) -> int:
            # Walks the owner's feed (capped), not the tag's tweets (unbounded).
            cursor = await tx.execute(_UNMERGE, (owner_id, tag_key(name)))
            return int(max(cursor.rowcount, 0))

        return await self.feeds.write(remove)

    async def _keys_of(self, table: str, account_id: int, names: Iterable[str]) -> set[str]:
        keys = _keys(names)
        if not keys:
            return set()
        rows = await self.db.fetchall(
            f"SELECT name_key FROM {table} WHERE account_id = ?"
            f" AND name_key IN ({placeholders(keys)})",
            [account_id, *keys],
        )
        return {row[0] for row in rows}

    async def followed_tag_keys(self, account_id: int, names: Iterable[str]) -> set[str]:
        return await self._keys_of("tag_follows", account_id, names)

    async def list_followed_tags(self, account_id: int, page: Page) -> list[tuple[int, Tag]]:
        bounds, params = page_bounds(page, "f.id")
        rows = await self.db.fetchall(
            "SELECT f.id, coalesce(t.name, f.name_key) FROM tag_follows f"
            " LEFT JOIN tags t ON t.name_key = f.name_key"
            f" WHERE f.account_id = ? AND {bounds} ORDER BY f.id {page_order(page)} LIMIT ?",
            [account_id, *params, page.limit],
        )
        return [(row[0], Tag(name=row[1])) for row in newest_first(page, rows)]

    async def tag_followers(self, names: Iterable[str]) -> dict[str, list[int]]:
        keys = _keys(names)
        found: dict[str, list[int]] = {key: [] for key in keys}
        if keys:
            # Inline on the loop's thread, a row per tag with its followers as one text value
            # built in C (as `follower_ids`): read for every tagged tweet posted.
            rows = await self.db.fetchall_now(
                "SELECT name_key, group_concat(account_id) FROM tag_follows"
                f" WHERE name_key IN ({placeholders(keys)}) GROUP BY name_key",
                keys,
            )
            for key, joined in rows:
                found[key] = list(map(int, joined.split(",")))
        return found

    async def feature_tag(self, featured: FeaturedTag, *, limit: int) -> FeaturedTag | None:
        key = tag_key(featured.name)
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "SELECT id, name, created_at FROM featured_tags"
                " WHERE account_id = ? AND name_key = ?",
                (featured.account_id, key),
            )
            if (row := await cursor.fetchone()) is not None:
                return FeaturedTag(row[0], featured.account_id, row[1], req_dt(row[2]))
            cursor = await tx.execute(
                "SELECT count(*) FROM featured_tags WHERE account_id = ?", (featured.account_id,)
            )
            if ((await cursor.fetchone()) or (0,))[0] >= limit:
                return None
            await tx.execute(
                "INSERT INTO featured_tags(id, account_id, name, name_key, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (featured.id, featured.account_id, featured.name, key, ts(featured.created_at)),
            )
            return featured

    async def unfeature_tag(
        self, account_id: int, *, featured_id: int | None = None, name: str | None = None
    ) -> bool:
        if (featured_id is None) == (name is None):
            raise ValueError("unfeature_tag takes a featured tag's id or its name")
        sql = "DELETE FROM featured_tags WHERE account_id = ?"
        params: list[Any] = [account_id]
        if featured_id is not None:
            sql += " AND id = ?"
            params.append(featured_id)
        if name is not None:
            sql += " AND name_key = ?"
            params.append(tag_key(name))
        async with self.db.transaction() as tx:
            cursor = await tx.execute(sql, params)
            return bool(cursor.rowcount == 1)

    async def list_featured_tags(self, account_id: int) -> list[FeaturedTag]:
        rows = await self.db.fetchall(_FEATURED, (account_id,))
        return [
            FeaturedTag(row[0], row[1], row[2], req_dt(row[3]), row[4], dt(row[5])) for row in rows
        ]

    async def featured_tag_keys(self, account_id: int, names: Iterable[str]) -> set[str]:
        return await self._keys_of("featured_tags", account_id, names)

    async def most_used_tags(self, account_id: int, *, recent: int, limit: int) -> list[Tag]:
        rows = await self.db.fetchall(
            "SELECT t.name FROM status_tags u JOIN tags t ON t.id = u.tag_id"
            " WHERE u.account_id = ?1 AND u.status_id >= (SELECT min(status_id) FROM"
            " (SELECT DISTINCT status_id FROM status_tags WHERE account_id = ?1"
            " ORDER BY status_id DESC LIMIT ?2))"
            " GROUP BY u.tag_id ORDER BY count(*) DESC, max(u.status_id) DESC LIMIT ?3",
            (account_id, recent, limit),
        )
        return [Tag(name=row[0]) for row in rows]
