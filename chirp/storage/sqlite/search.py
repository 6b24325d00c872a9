"""Search in SQLite: FTS5 (bm25) over tweet text; prefix ranges over handles, names and tags."""

from __future__ import annotations

import re
from collections.abc import Iterable

from chirp.core.models import VISIBILITIES, Account, Tag
from chirp.core.text import tag_key
from chirp.core.visibility import findable
from chirp.storage.sqlite.accounts import account_from_row
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.db import placeholders

_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_TERMS = 16


def fts_query(text: str) -> str | None:
    """User text -> a safe FTS5 query: every word quoted (no operators), all required."""
    words = _WORD.findall(text)[:_MAX_TERMS]
    return " ".join(f'"{w}"' for w in words) or None


def _prefix_range(prefix: str) -> tuple[str, str]:
    return prefix, prefix + "\U0010ffff"


def findable_sql(viewer_id: int | None) -> str:
    """The condition on `statuses s` for what the viewer may find (`visibility.findable`, the
    rule; this only writes it as SQL, with `:viewer` bound to the viewer's id)."""
    scope = findable(viewer_id)
    terms = [f"s.visibility IN ({_names(scope.to_everyone)})"]
    if scope.viewer_id is not None:
        terms.append("s.account_id = :viewer")
        if scope.to_followers:
            terms.append(
                f"(s.visibility IN ({_names(scope.to_followers)}) AND EXISTS (SELECT 1 FROM"
                " follows f WHERE f.account_id = :viewer AND f.target_account_id = s.account_id))"
            )
        if scope.to_mentioned:
            terms.append(
                f"(s.visibility IN ({_names(scope.to_mentioned)}) AND EXISTS (SELECT 1 FROM"
                " status_mentions m WHERE m.status_id = s.id AND m.account_id = :viewer))"
            )
    return f"({' OR '.join(terms)})"


def _names(visibilities: tuple[str, ...]) -> str:
    """Visibilities as SQL literals: names from a fixed set, checked."""
    assert all(v in VISIBILITIES for v in visibilities), visibilities
    return ", ".join(f"'{v}'" for v in visibilities)


class SqliteSearch(SqliteBase):
    async def search_statuses(
        self, query: str, *, viewer_id: int | None, limit: int, offset: int
    ) -> list[int]:
        match = fts_query(query)
        if match is None:
            return []
        rows = await self.db.fetchall(
            "SELECT s.id FROM status_search JOIN statuses s ON s.id = status_search.rowid"
            f" WHERE status_search MATCH :match AND {findable_sql(viewer_id)}"
            " ORDER BY bm25(status_search), s.id DESC LIMIT :limit OFFSET :offset",
            {"match": match, "viewer": viewer_id or 0, "limit": limit, "offset": offset},
        )
        return [row[0] for row in rows]

    async def search_accounts(self, query: str, *, limit: int, offset: int) -> list[Account]:
        key = query.strip().lstrip("@").split("@", 1)[0].casefold()
        if not key:
            return []
        low, high = _prefix_range(key)
        rows = await self.db.fetchall(
            "SELECT * FROM accounts WHERE id IN ("
            " SELECT id FROM accounts WHERE username_key >= :low AND username_key < :high"
            " UNION SELECT id FROM accounts WHERE display_name_key >= :low AND display_name_key < :high)"
            " ORDER BY username_key = :key DESC, followers_count DESC, id LIMIT :limit OFFSET :offset",
            {"low": low, "high": high, "key": key, "limit": limit, "offset": offset},
        )
        return [account_from_row(row) for row in rows]

    async def search_tags(self, prefix: str, *, limit: int, offset: int) -> list[Tag]:
        key = tag_key(prefix.strip().lstrip("#"))
        if not key:
            return []
        low, high = _prefix_range(key)
        rows = await self.db.fetchall(
            "SELECT t.name FROM tags t WHERE t.name_key >= ? AND t.name_key < ?"
            " ORDER BY t.name_key = ? DESC, (SELECT count(*) FROM status_tags st WHERE st.tag_id = t.id) DESC,"
            " t.name_key LIMIT ? OFFSET ?",
            (low, high, key, limit, offset),
        )
        return [Tag(name=row[0]) for row in rows]

    async def get_tag(self, name: str) -> Tag | None:
        row = await self.db.fetchone("SELECT name FROM tags WHERE name_key = ?", (tag_key(name),))
        return Tag(name=row[0]) if row else None

    async def tag_uses(
        self, tag_names: Iterable[str] | None, since_id: int, limit: int
    ) -> list[tuple[str, int, int]]:
        sql = (
            "SELECT t.name, st.status_id, st.account_id FROM status_tags st JOIN tags t ON t.id = st.tag_id"
            " WHERE st.public = 1 AND st.status_id > ?"
        )
        params: list[object] = [since_id]
        if tag_names is not None:
            keys = list(dict.fromkeys(tag_key(n) for n in tag_names))
            if not keys:
                return []
            sql += f" AND t.name_key IN ({placeholders(keys)})"
            params += keys
        rows = await self.db.fetchall(sql + " ORDER BY st.status_id DESC LIMIT ?", [*params, limit])
        return [(row[0], row[1], row[2]) for row in rows]
