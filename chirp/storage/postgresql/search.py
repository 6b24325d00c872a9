"""Search on PostgreSQL: tweets by its own full-text search (the generated `search` tsvector,
GIN-indexed, ranked by `ts_rank_cd`); handles, names and tags as in the SQLite store (prefix
ranges on their keys, which compare in byte order here too: "C" collation)."""

from __future__ import annotations

from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.search import _MAX_TERMS, _WORD, SqliteSearch, findable_sql


class PgSearch(SqliteSearch, SqliteBase):
    async def search_statuses(
        self, query: str, *, viewer_id: int | None, limit: int, offset: int
    ) -> list[int]:
        # The same words as the SQLite store searches for (every one required, no operators);
        # `plainto_tsquery` ANDs them after the same folding as the indexed text.
        words = _WORD.findall(query)[:_MAX_TERMS]
        if not words:
            return []
        rows = await self.db.fetchall(
            "SELECT s.id FROM statuses s,"
            " plainto_tsquery('chirp_search', :text) AS q"
            f" WHERE s.search @@ q AND {findable_sql(viewer_id)}"
            " ORDER BY ts_rank_cd(s.search, q) DESC, s.id DESC LIMIT :limit OFFSET :offset",
            {"text": " ".join(words), "viewer": viewer_id or 0, "limit": limit, "offset": offset},
        )
        return [row[0] for row in rows]
