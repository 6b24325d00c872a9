"""Roles, moderators' decisions on accounts, reports and the audit log in SQLite."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiosqlite
import orjson

from chirp.core.models import AccountModeration, AuditEntry, Page, Report
from chirp.core.ports.moderation import AdminAccountFilter
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import dt, req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.paging import newest_first, page_bounds, page_order


def moderation_from_row(row: Row | dict[str, Any]) -> AccountModeration:
    return AccountModeration(
        account_id=row["account_id"],
        role=row["role"],
        approved=bool(row["approved"]),
        reason=row["reason"],
        suspended_at=dt(row["suspended_at"]),
        silenced_at=dt(row["silenced_at"]),
        sensitized_at=dt(row["sensitized_at"]),
        disabled_at=dt(row["disabled_at"]),
        updated_at=dt(row["updated_at"]),
    )


def report_from_row(row: Row) -> Report:
    return Report(
        id=row["id"],
        account_id=row["account_id"],
        target_account_id=row["target_account_id"],
        category=row["category"],
        comment=row["comment"],
        created_at=req_dt(row["created_at"]),
        status_ids=tuple(orjson.loads(row["status_ids"])),
        rule_ids=tuple(orjson.loads(row["rule_ids"])),
        forwarded=bool(row["forwarded"]),
        assigned_account_id=row["assigned_account_id"],
        action_taken_at=dt(row["action_taken_at"]),
        action_taken_by_account_id=row["action_taken_by_account_id"],
        updated_at=dt(row["updated_at"]),
    )


def audit_from_row(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        account_id=row["account_id"],
        action=row["action"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        created_at=req_dt(row["created_at"]),
        text=row["text"],
    )


def _report_params(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "account_id": report.account_id,
        "target_account_id": report.target_account_id,
        "category": report.category,
        "comment": report.comment,
        "status_ids": orjson.dumps(list(report.status_ids)).decode(),
        "rule_ids": orjson.dumps(list(report.rule_ids)).decode(),
        "forwarded": report.forwarded,
        "assigned_account_id": report.assigned_account_id,
        "action_taken_at": ts(report.action_taken_at),
        "action_taken_by_account_id": report.action_taken_by_account_id,
        "created_at": ts(report.created_at),
        "updated_at": ts(report.updated_at),
    }


async def _audit(tx: aiosqlite.Connection, entry: AuditEntry | None) -> None:
    if entry is None:
        return
    await tx.execute(
        "INSERT INTO audit_log(id, account_id, action, target_type, target_id, text, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            entry.id,
            entry.account_id,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.text,
            ts(entry.created_at),
        ),
    )


# Which accounts each `status` filter of the admin list keeps (m: their moderation row).
_STATUS_CONDITIONS = {
    "active": "(m.account_id IS NULL OR (m.approved = 1 AND m.suspended_at IS NULL"
    " AND m.disabled_at IS NULL))",
    "pending": "m.approved = 0 AND m.suspended_at IS NULL",  # rejected sign-ups are suspended
    "disabled": "m.disabled_at IS NOT NULL",
    "silenced": "m.silenced_at IS NOT NULL",
    "suspended": "m.suspended_at IS NOT NULL",
}


class SqliteModeration(SqliteBase):
    async def get_moderations(self, account_ids: Iterable[int]) -> dict[int, AccountModeration]:
        ids = list(set(account_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall_now(
            f"SELECT * FROM account_moderation WHERE account_id IN ({placeholders(ids)})", ids
        )
        return {row["account_id"]: moderation_from_row(row) for row in rows}

    async def save_moderation(
        self, moderation: AccountModeration, *, audit: AuditEntry | None = None
    ) -> None:
        m = moderation
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT OR REPLACE INTO account_moderation(account_id, role, approved, reason,"
                " suspended_at, silenced_at, sensitized_at, disabled_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    m.account_id,
                    m.role,
                    m.approved,
                    m.reason,
                    ts(m.suspended_at),
                    ts(m.silenced_at),
                    ts(m.sensitized_at),
                    ts(m.disabled_at),
                    ts(m.updated_at),
                ),
            )
            await _audit(tx, audit)

    async def remove_account_moderation(self, account_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM account_moderation WHERE account_id = ?", (account_id,)
            )
            return cursor.rowcount == 1

    async def list_admin_accounts(self, filters: AdminAccountFilter, page: Page) -> list[int]:
        bounds, params = page_bounds(page, "a.id")
        conditions = [bounds]
        if filters.status is not None:
            conditions.append(_STATUS_CONDITIONS[filters.status])
        if filters.staff:
            conditions.append("m.role IS NOT NULL")
        if filters.username:
            conditions.append("a.username_key LIKE ? ESCAPE '\\'")
            params.append(_like_prefix(filters.username.lower()))
        if filters.email:
            conditions.append("c.email_key LIKE ? ESCAPE '\\'")
            params.append("%" + _like_prefix(filters.email.lower()))
        rows = await self.db.fetchall(
            "SELECT a.id FROM accounts a LEFT JOIN account_moderation m ON m.account_id = a.id"
            " LEFT JOIN credentials c ON c.account_id = a.id"
            f" WHERE {' AND '.join(conditions)} ORDER BY a.id {page_order(page)} LIMIT ?",
            (*params, page.limit),
        )
        return newest_first(page, [row[0] for row in rows])

    async def live_token_ids(self, account_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM tokens WHERE account_id = ? AND revoked_at IS NULL", (account_id,)
        )
        return [row[0] for row in rows]

    async def set_password_hash(self, account_id: int, password_hash: str) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE credentials SET password_hash = ? WHERE account_id = ?",
                (password_hash, account_id),
            )
            return cursor.rowcount == 1

    async def create_report(self, report: Report) -> None:
        await self.save_report(report)

    async def get_report(self, report_id: int) -> Report | None:
        row = await self.db.fetchone("SELECT * FROM reports WHERE id = ?", (report_id,))
        return report_from_row(row) if row else None

    async def list_reports(
        self,
        page: Page,
        *,
        resolved: bool | None = None,
        account_id: int | None = None,
        target_account_id: int | None = None,
    ) -> list[Report]:
        bounds, params = page_bounds(page, "id")
        conditions = [bounds]
        if resolved is not None:
            conditions.append(
                "action_taken_at IS NOT NULL" if resolved else "action_taken_at IS NULL"
            )
        for column, value in (
            ("account_id", account_id),
            ("target_account_id", target_account_id),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        rows = await self.db.fetchall(
            f"SELECT * FROM reports WHERE {' AND '.join(conditions)}"
            f" ORDER BY id {page_order(page)} LIMIT ?",
            (*params, page.limit),
        )
        return newest_first(page, [report_from_row(row) for row in rows])

    async def save_report(self, report: Report, *, audit: AuditEntry | None = None) -> None:
        values = _report_params(report)
        columns = ", ".join(values)
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT OR REPLACE INTO reports({columns})"
                f" VALUES ({', '.join(':' + name for name in values)})",
                values,
            )
            await _audit(tx, audit)

    async def list_audit(self, page: Page) -> list[AuditEntry]:
        bounds, params = page_bounds(page, "id")
        rows = await self.db.fetchall(
            f"SELECT * FROM audit_log WHERE {bounds} ORDER BY id {page_order(page)} LIMIT ?",
            (*params, page.limit),
        )
        return newest_first(page, [audit_from_row(row) for row in rows])


def _like_prefix(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
