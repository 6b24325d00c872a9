"""Moderation: staff roles, moderators' actions on accounts (and their undoing), sign-up
approval, and the audit log every action writes.

Mastodon's model: `owner` > `admin` > `moderator`; staff act on accounts with a weaker role
than their own. Actions: `sensitive` (media of new tweets marked sensitive), `silence` (tweets
reach followers only), `disable` (no login), `suspend` (tokens revoked on every node, content
gone from every read path). Each is undone on its own (`unsensitive`, `unsilence`, `enable`,
`unsuspend`). `actor` None: the operator's shell (`chirp admin`), which may do anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from chirp.core.context import Context
from chirp.core.errors import Forbidden, InvalidInput, NotFound
from chirp.core.models import (
    ROLES,
    Account,
    AccountModeration,
    AuditEntry,
    Credentials,
    Page,
    Report,
    Status,
)
from chirp.core.ports.moderation import AdminAccountFilter
from chirp.core.reports import check_category
from chirp.core.revocation import close_streams_of, tokens_revoked

ACTIONS = ("none", "sensitive", "disable", "silence", "suspend")
ADMIN_STATUSES = ("active", "pending", "disabled", "silenced", "suspended")
WARNING_MAX = 5000


def rank(role: str | None) -> int:
    """0 for a user; higher for stronger roles."""
    return ROLES.index(role) + 1 if role in ROLES else 0


async def get_moderation(ctx: Context, account_id: int) -> AccountModeration:
    """The decisions on one account (a plain user's defaults if none)."""
    found = await ctx.store.get_moderations([account_id])
    return found.get(account_id) or AccountModeration(account_id=account_id)


async def get_moderations(ctx: Context, account_ids: list[int]) -> dict[int, AccountModeration]:
    found = await ctx.store.get_moderations(account_ids)
    return {a: found.get(a) or AccountModeration(account_id=a) for a in account_ids}


async def require_staff(ctx: Context, account: Account) -> AccountModeration:
    """The staff member's own record; 403 for accounts without a role (Mastodon's message)."""
    own = await get_moderation(ctx, account.id)
    if own.role is None:
        raise Forbidden("This action is not allowed")
    return own


def check_usable(moderation: AccountModeration | None) -> None:
    """Whether a signed-in account may use the API now: as Mastodon answers (403) a pending
    sign-up or a disabled login. Suspended accounts have no live token left (401 earlier)."""
    if moderation is None:
        return
    if moderation.suspended_at is not None:
        raise Forbidden("Your login is currently disabled")
    if moderation.disabled_at is not None:
        raise Forbidden("Your login is currently disabled")
    if not moderation.approved:
        raise Forbidden("Your login is currently pending approval")


def may_log_in(moderation: AccountModeration | None) -> bool:
    """A password may open a session unless the account is suspended or its login disabled
    (a pending sign-up gets its token, refused with 403 until approved, as in Mastodon)."""
    return moderation is None or (
        moderation.suspended_at is None and moderation.disabled_at is None
    )


def _audit(
    ctx: Context,
    actor: Account | None,
    action: str,
    target_type: str,
    target_id: int,
    text: str = "",
) -> AuditEntry:
    return AuditEntry(
        id=ctx.new_id(),
        account_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        created_at=ctx.now(),
        text=text,
    )


async def _target(
    ctx: Context, actor: Account | None, target_id: int
) -> tuple[Account, AccountModeration]:
    """The account acted on and its record; staff may act only on weaker roles."""
    target = await ctx.store.get_account(target_id)
    if target is None:
        raise NotFound("Record not found")
    moderation = await get_moderation(ctx, target_id)
    if actor is not None:
        own = await require_staff(ctx, actor)
        if actor.id == target_id or rank(moderation.role) >= rank(own.role):
            raise Forbidden("This action is not allowed")
    return target, moderation


# For the use cases of other modules acting on accounts (`account_deletion`).
audit_entry = _audit
staff_target = _target


async def _save(
    ctx: Context,
    actor: Account | None,
    before: AccountModeration,
    after: AccountModeration,
    action: str,
    text: str = "",
) -> AccountModeration:
    """Store the change and its audit entry at once; unchanged records are not written again
    (repeating an action is a no-op, and the log shows what changed)."""
    if after == before:
        return before
    after.updated_at = ctx.now()
    entry = _audit(ctx, actor, action, "account", after.account_id, text)
    await ctx.store.save_moderation(after, audit=entry)
    return after


async def act_on_account(
    ctx: Context,
    actor: Account | None,
    target_id: int,
    action: str,
    *,
    report_id: int | None = None,
    text: str = "",
) -> AccountModeration:
    """`POST /api/v1/admin/accounts/:id/action`: apply one action (`none` only resolves the
    report); the report named, if any, is resolved by it."""
    if action not in ACTIONS:
        raise InvalidInput(f"Validation failed: Type must be one of {', '.join(ACTIONS)}")
    if len(text) > WARNING_MAX:
        raise InvalidInput(f"Validation failed: Text is too long (maximum is {WARNING_MAX})")
    _, before = await _target(ctx, actor, target_id)
    report = await _report_for(ctx, report_id, target_id) if report_id is not None else None
    now = ctx.now()
    after = replace(before)
    if action == "sensitive" and after.sensitized_at is None:
        after.sensitized_at = now
    elif action == "silence" and after.silenced_at is None:
        after.silenced_at = now
    elif action == "disable" and after.disabled_at is None:
        after.disabled_at = now
    elif action == "suspend" and after.suspended_at is None:
        after.suspended_at = now
    saved = await _save(ctx, actor, before, after, action, text)
    if action == "suspend":
        await revoke_sessions(ctx, target_id)
    elif action == "disable":
        await revoke_sessions(ctx, target_id, revoke=False)
    if report is not None and report.action_taken_at is None:
        await _resolve(ctx, actor, report)
    return saved


async def undo_action(
    ctx: Context, actor: Account | None, target_id: int, action: str
) -> AccountModeration:
    """`unsuspend`, `unsilence`, `unsensitive` or `enable` (idempotent)."""
    _, before = await _target(ctx, actor, target_id)
    after = replace(before)
    if action == "unsuspend":
        after.suspended_at = None
    elif action == "unsilence":
        after.silenced_at = None
    elif action == "unsensitive":
        after.sensitized_at = None
    elif action == "enable":
        after.disabled_at = None
    else:
        raise InvalidInput(f"Validation failed: unknown action {action}")
    return await _save(ctx, actor, before, after, action)


async def approve_account(ctx: Context, actor: Account | None, target_id: int) -> AccountModeration:
    """Let a pending sign-up in (approving it again changes nothing); 403 for a rejected one."""
    _, before = await _target(ctx, actor, target_id)
    if before.approved:
        return before
    if before.suspended_at is not None:
        raise Forbidden("This account was rejected")
    return await _save(ctx, actor, before, replace(before, approved=True), "approve")


async def reject_account(ctx: Context, actor: Account | None, target_id: int) -> AccountModeration:
    """Turn a pending sign-up down: it stays out (suspended, no login), out of the pending list."""
    _, before = await _target(ctx, actor, target_id)
    if before.approved:
        raise Forbidden("This account is not pending approval")
    now = ctx.now()
    after = replace(
        before,
        suspended_at=before.suspended_at or now,
        disabled_at=before.disabled_at or now,
    )
    saved = await _save(ctx, actor, before, after, "reject")
    await revoke_sessions(ctx, target_id)
    return saved


async def set_role(
    ctx: Context, actor: Account | None, target_id: int, role: str | None
) -> AccountModeration:
    """Give an account a staff role (None: a plain user again). Staff may grant only roles
    weaker than their own."""
    if role is not None and role not in ROLES:
        raise InvalidInput(f"Validation failed: Role must be one of {', '.join(ROLES)}")
    _, before = await _target(ctx, actor, target_id)
    if actor is not None:
        own = await get_moderation(ctx, actor.id)
        if rank(role) >= rank(own.role):
            raise Forbidden("This action is not allowed")
    return await _save(ctx, actor, before, replace(before, role=role), "change_role", role or "")


async def revoke_sessions(ctx: Context, account_id: int, *, revoke: bool = True) -> int:
    """Close the account's streams on every node (`token.revoked`), and with `revoke` its
    tokens too (refused by REST at once: every request reads its token from the store)."""
    token_ids = await ctx.store.live_token_ids(account_id)
    if not revoke:
        await close_streams_of(ctx, token_ids)
    else:  # every unrevoked token, even one issued since the read: only those read had streams
        event = tokens_revoked(ctx, token_ids) if token_ids else None
        await ctx.store.revoke_account_tokens(account_id, ctx.now(), event=event)
        ctx.wake_dispatcher()
    return len(token_ids)


async def list_admin_accounts(
    ctx: Context, actor: Account, filters: AdminAccountFilter, page: Page
) -> list[Account]:
    await require_staff(ctx, actor)
    if filters.status is not None and filters.status not in ADMIN_STATUSES:
        raise InvalidInput(f"Validation failed: Status must be one of {', '.join(ADMIN_STATUSES)}")
    ids = await ctx.store.list_admin_accounts(filters, page)
    found = await ctx.store.get_accounts(ids)
    return [found[i] for i in ids if i in found]


async def get_admin_account(ctx: Context, actor: Account, account_id: int) -> Account:
    await require_staff(ctx, actor)
    account = await ctx.store.get_account(account_id)
    if account is None:
        raise NotFound("Record not found")
    return account


async def _report_for(ctx: Context, report_id: int, target_id: int) -> Report:
    report = await ctx.store.get_report(report_id)
    if report is None or report.target_account_id != target_id:
        raise NotFound("Record not found")
    return report


async def _resolve(ctx: Context, actor: Account | None, report: Report) -> Report:
    now = ctx.now()
    resolved = replace(
        report,
        action_taken_at=now,
        action_taken_by_account_id=actor.id if actor else None,
        updated_at=now,
    )
    await ctx.store.save_report(resolved, audit=_audit(ctx, actor, "resolve", "report", report.id))
    return resolved


async def get_admin_report(ctx: Context, actor: Account, report_id: int) -> Report:
    await require_staff(ctx, actor)
    report = await ctx.store.get_report(report_id)
    if report is None:
        raise NotFound("Record not found")
    return report


async def list_admin_reports(
    ctx: Context,
    actor: Account | None,
    page: Page,
    *,
    resolved: bool | None = False,
    account_id: int | None = None,
    target_account_id: int | None = None,
) -> list[Report]:
    if actor is not None:
        await require_staff(ctx, actor)
    return await ctx.store.list_reports(
        page, resolved=resolved, account_id=account_id, target_account_id=target_account_id
    )


async def change_report(ctx: Context, actor: Account, report_id: int, change: str) -> Report:
    """`assign_to_self`, `unassign`, `resolve` or `reopen` (each idempotent)."""
    report = await get_admin_report(ctx, actor, report_id)
    now = ctx.now()
    if change == "resolve":
        if report.action_taken_at is not None:
            return report
        return await _resolve(ctx, actor, report)
    if change == "reopen":
        after = replace(report, action_taken_at=None, action_taken_by_account_id=None)
    elif change == "assign_to_self":
        after = replace(report, assigned_account_id=actor.id)
    elif change == "unassign":
        after = replace(report, assigned_account_id=None)
    else:
        raise InvalidInput(f"Validation failed: unknown change {change}")
    if after == report:
        return report
    after.updated_at = now
    await ctx.store.save_report(after, audit=_audit(ctx, actor, change, "report", report.id))
    return after


async def list_audit(ctx: Context, page: Page) -> list[AuditEntry]:
    return await ctx.store.list_audit(page)


@dataclass(slots=True)
class AdminView:
    """What `Admin::Account` shows of one account."""

    account: Account
    moderation: AccountModeration
    credentials: Credentials | None


async def admin_views(ctx: Context, accounts: list[Account]) -> dict[int, AdminView]:
    """The accounts as staff see them, by id (credentials are read one by one: staff pages)."""
    found = await get_moderations(ctx, [a.id for a in accounts])
    return {
        a.id: AdminView(a, found[a.id], await ctx.store.get_credentials(a.id)) for a in accounts
    }


@dataclass(slots=True)
class ReportView:
    """What `Admin::Report` shows: the report, everyone involved and the reported tweets."""

    report: Report
    people: dict[int, AdminView]
    statuses: list[Status]


async def report_views(ctx: Context, reports: list[Report]) -> list[ReportView]:
    ids = {
        a
        for r in reports
        for a in (
            r.account_id,
            r.target_account_id,
            r.assigned_account_id,
            r.action_taken_by_account_id,
        )
        if a is not None
    }
    accounts = await ctx.store.get_accounts(ids)
    people = await admin_views(ctx, list(accounts.values()))
    statuses = await ctx.store.get_statuses(s for r in reports for s in r.status_ids)
    return [
        ReportView(r, people, [statuses[s] for s in r.status_ids if s in statuses]) for r in reports
    ]


async def reset_password(
    ctx: Context, actor: Account | None, target_id: int, password: str
) -> AccountModeration:
    """Give the account a new password and end its sessions (every token, every stream)."""
    from chirp.core.accounts import PASSWORD_MAX

    _, record = await _target(ctx, actor, target_id)
    if not ctx.settings.password_min_length <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(
            f"Validation failed: Password must be {ctx.settings.password_min_length} to"
            f" {PASSWORD_MAX} characters"
        )
    if not await ctx.store.set_password_hash(target_id, await ctx.passwords.hash(password)):
        raise NotFound("Record not found")
    await revoke_sessions(ctx, target_id)
    entry = _audit(ctx, actor, "reset_password", "account", target_id)
    await ctx.store.save_moderation(replace(record, updated_at=ctx.now()), audit=entry)
    return record


async def recategorize_report(
    ctx: Context, actor: Account, report_id: int, category: str | None, rule_ids: list[int]
) -> Report:
    """`PUT /api/v1/admin/reports/:id`: staff correct a report's category and rules."""
    report = await get_admin_report(ctx, actor, report_id)
    category, rule_ids = check_category(ctx, category or report.category, rule_ids)
    after = replace(report, category=category, rule_ids=tuple(rule_ids))
    if after == report:
        return report
    after.updated_at = ctx.now()
    entry = _audit(ctx, actor, "update_report", "report", report.id, category)
    await ctx.store.save_report(after, audit=entry)
    return after
