"""Moderation JSON: Mastodon's `Role`, `Report`, `Admin::Account` and `Admin::Report`."""

from __future__ import annotations

from typing import Any

from chirp.config import Settings
from chirp.core.instance import instance_rules
from chirp.core.models import Account, AccountModeration, Credentials, Report
from chirp.serializers.accounts import account_json
from chirp.serializers.common import iso
from chirp.serializers.instance import rule_json
from chirp.serializers.roles import account_roles_json, role_json


def report_json(report: Report, target: Account, settings: Settings) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "action_taken": report.action_taken_at is not None,
        "action_taken_at": iso(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": iso(report.created_at),
        "status_ids": [str(s) for s in report.status_ids] or None,
        "rule_ids": [str(r) for r in report.rule_ids] or None,
        "target_account": account_json(target, settings),
    }


def admin_account_json(
    account: Account,
    moderation: AccountModeration,
    credentials: Credentials | None,
    settings: Settings,
) -> dict[str, Any]:
    body = account_json(account, settings)
    body["roles"] = account_roles_json(moderation.role)
    return {
        "id": str(account.id),
        "username": account.username,
        "domain": None,
        "created_at": iso(account.created_at),
        "email": credentials.email if credentials else "",
        "ip": None,
        "ips": [],
        "locale": credentials.locale if credentials else "",
        "invite_request": moderation.reason or None,
        "role": role_json(moderation.role),
        "confirmed": True,
        "approved": moderation.approved,
        "disabled": moderation.disabled_at is not None,
        "silenced": moderation.silenced_at is not None,
        "suspended": moderation.suspended_at is not None,
        "sensitized": moderation.sensitized_at is not None,
        "account": body,
        "created_by_application_id": None,
        "invited_by_account_id": None,
    }


def admin_report_json(
    report: Report,
    accounts: dict[int, dict[str, Any]],
    statuses: list[Any],
    settings: Settings,
) -> dict[str, Any]:
    """`accounts`: the Admin::Account JSON of everyone involved, by id; `statuses`: the
    reported tweets, already rendered."""

    def admin(account_id: int | None) -> dict[str, Any] | None:
        return accounts.get(account_id) if account_id is not None else None

    rules = [rule_json(r) for r in instance_rules(settings) if int(r.id) in report.rule_ids]
    return {
        "id": str(report.id),
        "action_taken": report.action_taken_at is not None,
        "action_taken_at": iso(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": iso(report.created_at),
        "updated_at": iso(report.updated_at or report.created_at),
        "account": admin(report.account_id),
        "target_account": admin(report.target_account_id),
        "assigned_account": admin(report.assigned_account_id),
        "action_taken_by_account": admin(report.action_taken_by_account_id),
        "statuses": statuses,
        "rules": rules,
    }
