"""Tweets on PostgreSQL: the SQLite store's statements, except a thread's descendants."""

from __future__ import annotations

from chirp.core.models import Status
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.statuses import SqliteStatuses, status_from_row


class PgStatuses(SqliteStatuses, SqliteBase):
    async def get_thread(
        self, status: Status, *, max_ancestors: int, max_descendants: int
    ) -> tuple[list[Status], list[Status]]:
        ancestors = await self.db.fetchall(
            "WITH RECURSIVE up(id, depth) AS ("
            " SELECT CAST(? AS BIGINT), 1 UNION ALL"
            " SELECT s.in_reply_to_id, up.depth + 1 FROM statuses s JOIN up ON s.id = up.id"
            " WHERE s.in_reply_to_id IS NOT NULL AND up.depth <= ?)"
            " SELECT s.* FROM up JOIN statuses s ON s.id = up.id WHERE up.depth > 1"
            " ORDER BY up.depth DESC",
            (status.id, max_ancestors),
        )
        # PostgreSQL has no LIMIT inside a recursive query. SQLite's stops after the first
        # `max_descendants` replies found level by level (breadth first): the same replies are
        # the first by (depth, path) here, then listed depth first (by path) as there.
        rows = await self.db.fetchall(
            "WITH RECURSIVE down(id, path, depth) AS ("
            " SELECT id, lpad(CAST(id AS TEXT), 20, '0'), 1 FROM statuses WHERE in_reply_to_id = ?"
            " UNION ALL SELECT s.id, down.path || '/' || lpad(CAST(s.id AS TEXT), 20, '0'),"
            " down.depth + 1 FROM statuses s JOIN down ON s.in_reply_to_id = down.id)"
            " SELECT s.* FROM (SELECT id, path FROM down ORDER BY depth, path LIMIT ?) AS d"
            " JOIN statuses s ON s.id = d.id ORDER BY d.path",
            (status.id, max_descendants),
        )
        return [status_from_row(r) for r in ancestors], [status_from_row(r) for r in rows]
