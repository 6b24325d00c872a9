"""Notification requests: the mentions a recipient's policy filtered, one request per sender.
Accepting one accepts the sender for good and moves their filtered notifications into the main
list, in the same write (so nothing is left to merge afterwards); dismissing one deletes them."""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.context import Context
from chirp.core.errors import NotFound
from chirp.core.models import Account, NotificationRequest, Page, Status
from chirp.core.views import load_visible
from chirp.core.visibility import shunned_accounts


async def list_notification_requests(
    ctx: Context, account: Account, page: Page
) -> tuple[list[NotificationRequest], list[int]]:
    """Without those from accounts the viewer blocks or mutes, or that block it."""
    requests = await ctx.store.list_notification_requests(account.id, page)
    hidden = await shunned_accounts(ctx, account.id, (r.from_account_id for r in requests))
    return [r for r in requests if r.from_account_id not in hidden], [r.id for r in requests]


async def get_notification_request(
    ctx: Context, account: Account, request_id: int
) -> NotificationRequest:
    found = await ctx.store.get_notification_request(account.id, request_id)
    if found is None:
        raise NotFound("Record not found")
    return found


async def accept_notification_request(ctx: Context, account: Account, request_id: int) -> None:
    await get_notification_request(ctx, account, request_id)
    await ctx.store.accept_notification_requests(account.id, [request_id], ctx.now())


async def dismiss_notification_request(ctx: Context, account: Account, request_id: int) -> None:
    await get_notification_request(ctx, account, request_id)
    await ctx.store.dismiss_notification_requests(account.id, [request_id])


async def accept_notification_requests(
    ctx: Context, account: Account, request_ids: Iterable[int]
) -> int:
    """Ids that are not the account's requests are skipped, as Mastodon does."""
    return await ctx.store.accept_notification_requests(account.id, request_ids, ctx.now())


async def dismiss_notification_requests(
    ctx: Context, account: Account, request_ids: Iterable[int]
) -> int:
    return await ctx.store.dismiss_notification_requests(account.id, request_ids)


async def requests_merged(ctx: Context, account: Account) -> bool:
    """Whether every accepted request's notifications are in the main list (Mastodon merges
    them in the background). Chirp moves them in the write that accepts, so by the time any
    accept has answered its merge is done: the answer is always yes."""
    return True


async def last_statuses(
    ctx: Context, account: Account, requests: list[NotificationRequest]
) -> dict[int, Status]:
    """The requests' last filtered statuses the account may still see, by id."""
    ids = [r.last_status_id for r in requests if r.last_status_id is not None]
    return {s.id: s for s in await load_visible(ctx, ids, account.id)}
