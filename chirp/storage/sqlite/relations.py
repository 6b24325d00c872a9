"""A page's viewer relations in one statement: a branch per relation, `UNION ALL`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from chirp.core.ports.relations import PageRelations, RelationsWanted
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.blocks import at

# Per set of `RelationsWanted`, its branches: ?1 is the viewer, {ids} the set's values and
# {now} the number of `now`'s parameter.
_BRANCHES = {
    "others": (
        "SELECT 'blocking', target_account_id, 0 FROM account_blocks"
        " WHERE account_id = ?1 AND target_account_id IN ({ids})",
        "SELECT 'blocked_by', account_id, 0 FROM account_blocks"
        " WHERE target_account_id = ?1 AND account_id IN ({ids})",
        "SELECT 'muting', target_account_id, notifications FROM account_mutes"
        " WHERE account_id = ?1 AND target_account_id IN ({ids})"
        " AND (expires_at IS NULL OR expires_at > ?{now})",
    ),
    "authors": (
        "SELECT 'suspended', account_id, 0 FROM account_moderation"
        " WHERE account_id IN ({ids}) AND suspended_at IS NOT NULL",
    ),
    "restricted_authors": (
        "SELECT 'following', target_account_id, 0 FROM follows"
        " WHERE account_id = ?1 AND target_account_id IN ({ids})",
    ),
    "restricted_ids": (
        "SELECT 'mentioned', status_id, 0 FROM status_mentions"
        " WHERE account_id = ?1 AND status_id IN ({ids})",
    ),
    "status_ids": (
        "SELECT 'f', status_id, 0 FROM favourites WHERE account_id = ?1 AND status_id IN ({ids})",
        "SELECT 'r', reblog_of_id, 0 FROM statuses"
        " WHERE account_id = ?1 AND reblog_of_id IN ({ids})",
        "SELECT 'b', status_id, 0 FROM bookmarks WHERE account_id = ?1 AND status_id IN ({ids})",
        "SELECT 'p', status_id, 0 FROM pins WHERE account_id = ?1 AND status_id IN ({ids})",
    ),
    "conversation_ids": (
        "SELECT 'conversation', conversation_id, 0 FROM conversation_mutes"
        " WHERE account_id = ?1 AND conversation_id IN ({ids})",
    ),
}


class SqlitePageRelations(SqliteBase):
    async def get_page_relations(
        self, viewer_id: int, wanted: RelationsWanted, now: datetime
    ) -> PageRelations:
        branches: list[str] = []
        params: list[Any] = [viewer_id]
        for name, sqls in _BRANCHES.items():
            ids: Collection[int] = list(dict.fromkeys(getattr(wanted, name)))
            if not ids:
                continue
            first = len(params) + 1
            marks = ",".join(f"?{n}" for n in range(first, first + len(ids)))
            params.extend(ids)
            if name == "others":
                params.append(at(now))
            branches.extend(sql.format(ids=marks, now=len(params)) for sql in sqls)
        if wanted.filters_version:
            branches.append(
                "SELECT 'filters', version, 0 FROM filter_versions WHERE account_id = ?1"
            )
        found = PageRelations(filters_version=0 if wanted.filters_version else None)
        if not branches:
            return found
        rows = await self.db.fetchall_now(" UNION ALL ".join(branches), params)
        shunning, viewer = found.shunning, found.viewer
        into = {
            "blocking": shunning.blocking,
            "blocked_by": shunning.blocked_by,
            "muting": shunning.muting,
            "suspended": found.suspended,
            "following": found.following,
            "mentioned": found.mentioned,
            "f": viewer.favourited,
            "r": viewer.reblogged,
            "b": viewer.bookmarked,
            "p": viewer.pinned,
            "conversation": found.muted_conversations,
        }
        for kind, other, notifications in rows:
            if kind == "filters":
                found.filters_version = int(other)
                continue
            into[kind].add(other)
            if kind == "muting" and notifications:
                shunning.muting_notifications.add(other)
        return found
