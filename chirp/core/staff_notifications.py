"""Notifications to staff (Mastodon's `admin.sign_up` and `admin.report`): each new account and
each new report notifies every account with a staff role (Mastodon's moderator, admin and owner
roles all hold the `manage_users` and `manage_reports` permissions these need), through the
usual delivery (blocks and mutes of the sender drop them; the notification policy does not
filter them, as Mastodon; `types[]`/`exclude_types[]` select them).

The write (the account, the report) is recorded first; its event then follows on its own, as
neither store write carries one: a process dying in between loses the notification, never the
account or the report, which staff see in their lists either way."""

from __future__ import annotations

from chirp.core.context import Context
from chirp.core.events import AccountCreated, ReportCreated, outbox_row
from chirp.core.models import Notification, Page, Report
from chirp.core.notifications import deliver, new_notification
from chirp.core.ports.moderation import AdminAccountFilter

SIGNED_UP = "account.created"
REPORTED = "report.created"
STAFF_PAGE = 200


async def announce_sign_up(ctx: Context, account_id: int) -> None:
    await _record(ctx, AccountCreated(account_id))


async def announce_report(ctx: Context, report: Report) -> None:
    await _record(ctx, ReportCreated(report.id, report.account_id))


async def _record(ctx: Context, event: AccountCreated | ReportCreated) -> None:
    """Only where someone has a staff role (a server without staff records nothing)."""
    if not await ctx.store.list_admin_accounts(AdminAccountFilter(staff=True), Page(limit=1)):
        return
    await ctx.store.record_events([outbox_row(ctx, event)], ctx.now())
    ctx.wake_dispatcher()


async def staff_ids(ctx: Context) -> list[int]:
    found: list[int] = []
    page = Page(limit=STAFF_PAGE)
    while batch := await ctx.store.list_admin_accounts(AdminAccountFilter(staff=True), page):
        found += batch
        page = Page(limit=STAFF_PAGE, max_id=batch[-1])
    return found


async def notify_staff_of_sign_up(ctx: Context, event: AccountCreated) -> list[Notification]:
    account_id = event.account_id
    return await deliver(
        ctx,
        [
            new_notification(ctx, staff, "admin.sign_up", account_id, None)
            for staff in await staff_ids(ctx)
            if staff != account_id
        ],
    )


async def notify_staff_of_report(ctx: Context, event: ReportCreated) -> list[Notification]:
    report = await ctx.store.get_report(event.report_id)
    if report is None:
        return []
    # Neither the reporter nor the reported staff member hears of it.
    skipped = {report.account_id, report.target_account_id}
    return await deliver(
        ctx,
        [
            new_notification(
                ctx, staff, "admin.report", report.account_id, None, report_id=report.id
            )
            for staff in await staff_ids(ctx)
            if staff not in skipped
        ],
    )
