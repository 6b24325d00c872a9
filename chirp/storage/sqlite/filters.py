"""Content filters in SQLite: `filters`, `filter_keywords`, `filter_statuses` (migration 0027);
a save replaces a filter's keywords and tweets in the transaction that bumps its `version`."""

from __future__ import annotations

import aiosqlite

from chirp.core.models import Filter, FilterKeyword, FilterStatus
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import dt, ts
from chirp.storage.sqlite.db import Row


def _filter(row: Row, keywords: list[Row], statuses: list[Row]) -> Filter:
    return Filter(
        id=row["id"],
        account_id=row["account_id"],
        title=row["title"],
        context=tuple(row["context"].split(",")) if row["context"] else (),
        action=row["action"],
        expires_at=dt(row["expires_at"]),
        keywords=tuple(
            FilterKeyword(k["id"], k["keyword"], bool(k["whole_word"])) for k in keywords
        ),
        statuses=tuple(FilterStatus(s["id"], s["status_id"]) for s in statuses),
        version=row["version"],
    )


async def _write_parts(tx: aiosqlite.Connection, filter_: Filter) -> None:
    await tx.executemany(
        "INSERT INTO filter_keywords(id, filter_id, keyword, whole_word) VALUES (?,?,?,?)",
        [(k.id, filter_.id, k.keyword, k.whole_word) for k in filter_.keywords],
    )
    await tx.executemany(
        "INSERT INTO filter_statuses(id, filter_id, status_id) VALUES (?,?,?)",
        [(s.id, filter_.id, s.status_id) for s in filter_.statuses],
    )


async def _bump(tx: aiosqlite.Connection, account_id: int) -> None:
    await tx.execute(
        "INSERT INTO filter_versions(account_id, version) VALUES (?, 1)"
        " ON CONFLICT(account_id) DO UPDATE SET version = version + 1",
        (account_id,),
    )


class SqliteFilters(SqliteBase):
    async def filters_version(self, account_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT version FROM filter_versions WHERE account_id = ?", (account_id,)
        )
        return int(row[0]) if row is not None else 0

    async def get_filters(self, account_id: int) -> list[Filter]:
        rows = await self.db.fetchall(
            "SELECT * FROM filters WHERE account_id = ? ORDER BY id", (account_id,)
        )
        if not rows:
            return []
        keywords = await self.db.fetchall(
            "SELECT k.* FROM filter_keywords k JOIN filters f ON f.id = k.filter_id"
            " WHERE f.account_id = ? ORDER BY k.id",
            (account_id,),
        )
        statuses = await self.db.fetchall(
            "SELECT s.* FROM filter_statuses s JOIN filters f ON f.id = s.filter_id"
            " WHERE f.account_id = ? ORDER BY s.id",
            (account_id,),
        )
        keywords_of: dict[int, list[Row]] = {}
        for keyword in keywords:
            keywords_of.setdefault(keyword["filter_id"], []).append(keyword)
        statuses_of: dict[int, list[Row]] = {}
        for status in statuses:
            statuses_of.setdefault(status["filter_id"], []).append(status)
        return [
            _filter(row, keywords_of.get(row["id"], []), statuses_of.get(row["id"], []))
            for row in rows
        ]

    async def create_filter(self, filter_: Filter) -> None:
        async def write(tx: aiosqlite.Connection) -> None:
            await tx.execute(
                "INSERT INTO filters(id, account_id, title, context, action, expires_at, version)"
                " VALUES (?,?,?,?,?,?,?)",
                (
                    filter_.id,
                    filter_.account_id,
                    filter_.title,
                    ",".join(filter_.context),
                    filter_.action,
                    ts(filter_.expires_at),
                    filter_.version,
                ),
            )
            await _write_parts(tx, filter_)
            await _bump(tx, filter_.account_id)

        await self.db.write(write)

    async def save_filter(self, filter_: Filter) -> bool:
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute(
                "UPDATE filters SET title = ?, context = ?, action = ?, expires_at = ?,"
                " version = version + 1 WHERE id = ? AND account_id = ? AND version = ?",
                (
                    filter_.title,
                    ",".join(filter_.context),
                    filter_.action,
                    ts(filter_.expires_at),
                    filter_.id,
                    filter_.account_id,
                    filter_.version,
                ),
            )
            if cursor.rowcount == 0:
                return False
            for table in ("filter_keywords", "filter_statuses"):
                await tx.execute(f"DELETE FROM {table} WHERE filter_id = ?", (filter_.id,))
            await _write_parts(tx, filter_)
            await _bump(tx, filter_.account_id)
            return True

        return await self.db.write(write)

    async def remove_filter(self, account_id: int, filter_id: int) -> bool:
        async def write(tx: aiosqlite.Connection) -> bool:
            cursor = await tx.execute(
                "DELETE FROM filters WHERE id = ? AND account_id = ?", (filter_id, account_id)
            )
            if cursor.rowcount == 0:
                return False
            await _bump(tx, account_id)
            return True

        return await self.db.write(write)
