"""Roles, moderators' decisions on accounts, reports and the audit log in MongoDB
(`account_moderation` with `_id` the account, `reports`, `audit_log`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from chirp.core.models import AccountModeration, AuditEntry, Page, Report
from chirp.core.ports.moderation import AdminAccountFilter
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    dt_or_none,
    newest_first,
    page_filter,
    page_sort,
    ts,
    ts_or_none,
    unique_ids,
)


def moderation_doc(m: AccountModeration) -> Doc:
    return {
        "_id": m.account_id,
        "role": m.role,
        "approved": m.approved,
        "reason": m.reason,
        "suspended_at": ts_or_none(m.suspended_at),
        "silenced_at": ts_or_none(m.silenced_at),
        "sensitized_at": ts_or_none(m.sensitized_at),
        "disabled_at": ts_or_none(m.disabled_at),
        "updated_at": ts_or_none(m.updated_at),
    }


def moderation_from_doc(doc: Doc) -> AccountModeration:
    return AccountModeration(
        account_id=doc["_id"],
        role=doc["role"],
        approved=doc["approved"],
        reason=doc["reason"],
        suspended_at=dt_or_none(doc["suspended_at"]),
        silenced_at=dt_or_none(doc["silenced_at"]),
        sensitized_at=dt_or_none(doc["sensitized_at"]),
        disabled_at=dt_or_none(doc["disabled_at"]),
        updated_at=dt_or_none(doc["updated_at"]),
    )


def report_doc(r: Report) -> Doc:
    return {
        "_id": r.id,
        "account_id": r.account_id,
        "target_account_id": r.target_account_id,
        "category": r.category,
        "comment": r.comment,
        "status_ids": list(r.status_ids),
        "rule_ids": list(r.rule_ids),
        "forwarded": r.forwarded,
        "assigned_account_id": r.assigned_account_id,
        "action_taken_at": ts_or_none(r.action_taken_at),
        "action_taken_by_account_id": r.action_taken_by_account_id,
        "resolved": r.action_taken_at is not None,
        "created_at": ts(r.created_at),
        "updated_at": ts_or_none(r.updated_at),
    }


def report_from_doc(doc: Doc) -> Report:
    return Report(
        id=doc["_id"],
        account_id=doc["account_id"],
        target_account_id=doc["target_account_id"],
        category=doc["category"],
        comment=doc["comment"],
        created_at=dt(doc["created_at"]),
        status_ids=tuple(doc["status_ids"]),
        rule_ids=tuple(doc["rule_ids"]),
        forwarded=doc["forwarded"],
        assigned_account_id=doc["assigned_account_id"],
        action_taken_at=dt_or_none(doc["action_taken_at"]),
        action_taken_by_account_id=doc["action_taken_by_account_id"],
        updated_at=dt_or_none(doc["updated_at"]),
    )


def audit_doc(entry: AuditEntry) -> Doc:
    return {
        "_id": entry.id,
        "account_id": entry.account_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "text": entry.text,
        "created_at": ts(entry.created_at),
    }


def audit_from_doc(doc: Doc) -> AuditEntry:
    return AuditEntry(
        id=doc["_id"],
        account_id=doc["account_id"],
        action=doc["action"],
        target_type=doc["target_type"],
        target_id=doc["target_id"],
        created_at=dt(doc["created_at"]),
        text=doc["text"],
    )


# Which moderation documents each `status` filter of the admin list names; `active` is every
# account but those of the `pending`, `disabled` and `suspended` filters.
_STATUS_QUERIES: dict[str, Doc] = {
    "pending": {"approved": False, "suspended_at": None},  # rejected sign-ups are suspended
    "disabled": {"disabled_at": {"$ne": None}},
    "silenced": {"silenced_at": {"$ne": None}},
    "suspended": {"suspended_at": {"$ne": None}},
    "active": {
        "$or": [
            {"approved": False},
            {"disabled_at": {"$ne": None}},
            {"suspended_at": {"$ne": None}},
        ]
    },
}


class MongoModeration(MongoBase):
    async def get_moderations(self, account_ids: Iterable[int]) -> dict[int, AccountModeration]:
        wanted = unique_ids(account_ids)
        if not wanted:
            return {}
        docs = await self.db.account_moderation.find({"_id": {"$in": wanted}}).to_list(None)
        return {doc["_id"]: moderation_from_doc(doc) for doc in docs}

    async def save_moderation(
        self, moderation: AccountModeration, *, audit: AuditEntry | None = None
    ) -> None:
        doc = moderation_doc(moderation)
        key = doc.pop("_id")

        async def write(session: Session) -> None:
            await self.db.account_moderation.update_one(
                {"_id": key}, {"$set": doc}, upsert=True, session=session
            )
            if audit is not None:
                await self.db.audit_log.insert_one(audit_doc(audit), session=session)

        await self._transaction(write)

    async def remove_account_moderation(self, account_id: int) -> bool:
        result = await self.db.account_moderation.delete_one({"_id": account_id})
        return result.deleted_count == 1

    async def list_admin_accounts(self, filters: AdminAccountFilter, page: Page) -> list[int]:
        query: Doc = page_filter(page)
        if filters.status is not None:
            marked = await self.db.account_moderation.find(
                _STATUS_QUERIES[filters.status], {"_id": 1}
            ).to_list(None)
            ids = [doc["_id"] for doc in marked]
            query = {
                "$and": [query, {"_id": {"$nin" if filters.status == "active" else "$in": ids}}]
            }
        if filters.staff:
            staff = await self.db.account_moderation.find(
                {"role": {"$ne": None}}, {"_id": 1}
            ).to_list(None)
            query = {"$and": [query, {"_id": {"$in": [doc["_id"] for doc in staff]}}]}
        if filters.username:
            query = {
                "$and": [
                    query,
                    {"username_key": {"$regex": "^" + re.escape(filters.username.lower())}},
                ]
            }
        if filters.email:
            found = await self.db.credentials.find(
                {"email_key": {"$regex": re.escape(filters.email.lower())}}, {"_id": 1}
            ).to_list(None)
            query = {"$and": [query, {"_id": {"$in": [doc["_id"] for doc in found]}}]}
        docs = await self.db.accounts.find(
            query, {"_id": 1}, sort=page_sort(page), limit=page.limit
        ).to_list(None)
        return newest_first(page, [doc["_id"] for doc in docs])

    async def live_token_ids(self, account_id: int) -> list[int]:
        docs = await self.db.tokens.find(
            {"account_id": account_id, "revoked_at": None}, {"_id": 1}
        ).to_list(None)
        return [doc["_id"] for doc in docs]

    async def set_password_hash(self, account_id: int, password_hash: str) -> bool:
        result = await self.db.credentials.update_one(
            {"_id": account_id}, {"$set": {"password_hash": password_hash}}
        )
        return result.matched_count == 1

    async def create_report(self, report: Report) -> None:
        await self.db.reports.insert_one(report_doc(report))

    async def get_report(self, report_id: int) -> Report | None:
        doc = await self.db.reports.find_one({"_id": report_id})
        return report_from_doc(doc) if doc else None

    async def list_reports(
        self,
        page: Page,
        *,
        resolved: bool | None = None,
        account_id: int | None = None,
        target_account_id: int | None = None,
    ) -> list[Report]:
        query: Doc = page_filter(page)
        if resolved is not None:
            query["resolved"] = resolved
        if account_id is not None:
            query["account_id"] = account_id
        if target_account_id is not None:
            query["target_account_id"] = target_account_id
        docs = await self.db.reports.find(query, sort=page_sort(page), limit=page.limit).to_list(
            None
        )
        return newest_first(page, [report_from_doc(doc) for doc in docs])

    async def save_report(self, report: Report, *, audit: AuditEntry | None = None) -> None:
        doc = report_doc(report)
        key = doc.pop("_id")

        async def write(session: Session) -> None:
            await self.db.reports.update_one(
                {"_id": key}, {"$set": doc}, upsert=True, session=session
            )
            if audit is not None:
                await self.db.audit_log.insert_one(audit_doc(audit), session=session)

        await self._transaction(write)

    async def list_audit(self, page: Page) -> list[AuditEntry]:
        docs = await self.db.audit_log.find(
            page_filter(page), sort=page_sort(page), limit=page.limit
        ).to_list(None)
        return newest_first(page, [audit_from_doc(doc) for doc in docs])
