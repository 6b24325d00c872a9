"""Moderation: account actions, reports, the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from chirp.core.models import AccountModeration, AuditEntry, Page, Report


@dataclass(slots=True)
class AdminAccountFilter:
    """`GET /api/v1/admin/accounts` filters; None: any."""

    status: str | None = None  # active, pending, disabled, silenced, suspended
    username: str | None = None  # a prefix, case-insensitive
    email: str | None = None  # a substring, case-insensitive
    staff: bool = False  # only accounts with a role


class ModerationStore(Protocol):
    """Roles, moderators' decisions on accounts, reports and the audit log."""

    async def get_moderations(self, account_ids: Iterable[int]) -> dict[int, AccountModeration]:
        """The decisions on these accounts; accounts without any are absent."""
        ...

    async def save_moderation(
        self, moderation: AccountModeration, *, audit: AuditEntry | None = None
    ) -> None:
        """Store (replace) the decisions on one account, and its audit entry, at once."""
        ...

    async def remove_account_moderation(self, account_id: int) -> bool:
        """Forget the decisions on an account (its deletion); True if there were some."""
        ...

    async def list_admin_accounts(self, filters: AdminAccountFilter, page: Page) -> list[int]:
        """Ids of the accounts matching the filters, newest first."""
        ...

    async def live_token_ids(self, account_id: int) -> list[int]:
        """Ids of the account's tokens not yet revoked (to close their streams)."""
        ...

    async def set_password_hash(self, account_id: int, password_hash: str) -> bool:
        """Replace the account's password (a reset); False if it has no credentials."""
        ...

    async def create_report(self, report: Report) -> None: ...

    async def get_report(self, report_id: int) -> Report | None: ...

    async def list_reports(
        self,
        page: Page,
        *,
        resolved: bool | None = None,
        account_id: int | None = None,
        target_account_id: int | None = None,
    ) -> list[Report]:
        """Newest first; `resolved` None: both."""
        ...

    async def save_report(self, report: Report, *, audit: AuditEntry | None = None) -> None:
        """Store the report's new state, and its audit entry, at once."""
        ...

    async def list_audit(self, page: Page) -> list[AuditEntry]:
        """The audit log, newest first."""
        ...
