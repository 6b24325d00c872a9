"""Follow requests, account notes and familiar followers in SQLite."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chirp.core.ids import id_time
from chirp.core.models import Event, Follow, FollowRequest, Page
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import ts
from chirp.storage.sqlite.db import placeholders
from chirp.storage.sqlite.follows import (
    follow_from_row,
    follow_options,
    insert_follow,
    languages_of,
    require_pair,
    set_options,
)
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order
from chirp.storage.sqlite.statuses import record_event


def request_from_row(row: Any) -> FollowRequest:
    found = follow_from_row(row)  # the same columns, options included
    return FollowRequest(
        found.id,
        found.account_id,
        found.target_account_id,
        found.created_at,
        found.show_reblogs,
        found.notify,
        found.languages,
    )


async def _take_request(tx: Any, account_id: int, target_account_id: int) -> Any:
    """Delete the pending request (in the caller's transaction): its options' row
    (show_reblogs, notify, languages), None if there was none."""
    async with tx.execute(
        "DELETE FROM follow_requests WHERE account_id = ? AND target_account_id = ?"
        " RETURNING show_reblogs, notify, languages",
        (account_id, target_account_id),
    ) as cursor:
        return await cursor.fetchone()


class SqliteFollowRequests(SqliteBase):
    async def add_follow_request(self, request: FollowRequest, *, event: Event) -> bool:
        async with self.db.transaction() as tx:
            await require_pair(tx, request.account_id, request.target_account_id)
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO follow_requests(id, account_id, target_account_id,"
                " created_at, show_reblogs, notify, languages) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7"
                " WHERE NOT EXISTS (SELECT 1 FROM follows WHERE account_id = ?2"
                " AND target_account_id = ?3)",
                (
                    request.id,
                    request.account_id,
                    request.target_account_id,
                    ts(request.created_at),
                    *follow_options(request),
                ),
            )
            if cursor.rowcount != 1:
                return False
            await record_event(tx, event, request.created_at)
            return True

    async def get_follow_request(
        self, account_id: int, target_account_id: int
    ) -> FollowRequest | None:
        row = await self.db.fetchone(
            "SELECT * FROM follow_requests WHERE account_id = ? AND target_account_id = ?",
            (account_id, target_account_id),
        )
        return None if row is None else request_from_row(row)

    async def set_follow_request_options(self, request: FollowRequest) -> bool:
        return await set_options(self.db, "follow_requests", request)

    async def remove_follow_request(
        self, account_id: int, target_account_id: int, *, event: Event
    ) -> bool:
        async with self.db.transaction() as tx:
            if await _take_request(tx, account_id, target_account_id) is None:
                return False
            await record_event(tx, event, id_time(event.id))
            return True

    async def authorize_follow_request(
        self, account_id: int, target_account_id: int, follow: Follow, *, event: Event
    ) -> bool:
        async with self.db.transaction() as tx:
            chosen = await _take_request(tx, account_id, target_account_id)
            if chosen is None:
                return False
            follow.show_reblogs, follow.notify = bool(chosen[0]), bool(chosen[1])
            follow.languages = languages_of(chosen[2])
            await insert_follow(tx, follow)
            await record_event(tx, event, follow.created_at)
            return True

    async def list_follow_requests(
        self, target_account_id: int, page: Page
    ) -> list[tuple[int, int]]:
        bounds, params = page_bounds(page, "id")
        rows = await self.db.fetchall(
            f"SELECT id, account_id FROM follow_requests WHERE target_account_id = ? AND {bounds}"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            [target_account_id, *params, page.limit],
        )
        return [(row[0], row[1]) for row in newest_first(page, rows)]

    async def count_follow_requests(self, target_account_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT count(*) FROM follow_requests WHERE target_account_id = ?",
            (target_account_id,),
        )
        return int(row[0]) if row else 0

    async def get_follow_request_state(
        self, account_id: int, target_ids: Iterable[int]
    ) -> tuple[dict[int, FollowRequest], set[int]]:
        ids = list(dict.fromkeys(target_ids))
        if not ids:
            return {}, set()
        marks = placeholders(ids)
        rows = await self.db.fetchall(
            f"SELECT * FROM follow_requests WHERE account_id = ? AND target_account_id IN ({marks})"
            f" UNION ALL SELECT * FROM follow_requests WHERE target_account_id = ?"
            f" AND account_id IN ({marks})",
            [account_id, *ids, account_id, *ids],
        )
        requested = {
            row["target_account_id"]: request_from_row(row)
            for row in rows
            if row["account_id"] == account_id
        }
        requested_by = {row["account_id"] for row in rows if row["target_account_id"] == account_id}
        return requested, requested_by

    async def familiar_followers(
        self, account_id: int, target_ids: Iterable[int]
    ) -> dict[int, list[int]]:
        ids = list(dict.fromkeys(target_ids))
        found: dict[int, list[int]] = defaultdict(list)
        if not ids:
            return found
        rows = await self.db.fetchall(
            "SELECT theirs.target_account_id, theirs.account_id FROM follows theirs"
            " JOIN follows mine ON mine.account_id = ? AND mine.target_account_id ="
            f" theirs.account_id WHERE theirs.target_account_id IN ({placeholders(ids)})"
            " ORDER BY theirs.id DESC",
            [account_id, *ids],
        )
        for target, follower in rows:
            found[target].append(follower)
        return dict(found)

    async def set_account_note(
        self, account_id: int, target_account_id: int, comment: str, updated_at: datetime
    ) -> None:
        async with self.db.transaction() as tx:
            if comment:
                await tx.execute(
                    "INSERT INTO account_notes(account_id, target_account_id, comment, updated_at)"
                    " VALUES (?,?,?,?) ON CONFLICT (account_id, target_account_id)"
                    " DO UPDATE SET comment = excluded.comment, updated_at = excluded.updated_at",
                    (account_id, target_account_id, comment, ts(updated_at)),
                )
            else:
                await tx.execute(
                    "DELETE FROM account_notes WHERE account_id = ? AND target_account_id = ?",
                    (account_id, target_account_id),
                )

    async def get_account_notes(self, account_id: int, target_ids: Iterable[int]) -> dict[int, str]:
        ids = list(dict.fromkeys(target_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall(
            "SELECT target_account_id, comment FROM account_notes WHERE account_id = ?"
            f" AND target_account_id IN ({placeholders(ids)})",
            [account_id, *ids],
        )
        return {row[0]: row[1] for row in rows}
