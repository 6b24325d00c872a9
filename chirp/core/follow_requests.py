"""Follow requests to locked accounts, as their owners see them: list, authorize, reject; and
unlocking an account authorizes every request still pending, as Mastodon does."""

from __future__ import annotations

from chirp.core.accounts import get_account, get_accounts
from chirp.core.context import Context
from chirp.core.errors import NotFound
from chirp.core.events import FollowRequestAuthorized, outbox_row
from chirp.core.follows import relationships, withdraw_follow_request
from chirp.core.models import Account, Follow, Page
from chirp.core.ports.follows import Relationship

# Requests authorized per read when an account is unlocked.
UNLOCK_BATCH = 200


async def list_follow_requests(
    ctx: Context, account: Account, page: Page
) -> tuple[list[Account], list[int]]:
    """Accounts asking to follow `account`, newest request first; cursors are request ids."""
    rows = await ctx.store.list_follow_requests(account.id, page)
    return await get_accounts(ctx, [a for _, a in rows]), [cursor for cursor, _ in rows]


async def _authorize(ctx: Context, requester_id: int, target_id: int) -> bool:
    """The request becomes a follow in one write; its event merges the new followee's tweets
    into the follower's feed and takes back the `follow_request` notification. No `follow`
    notification: the owner was told of the request, as in Mastodon."""
    edge = Follow(
        id=ctx.new_id(), account_id=requester_id, target_account_id=target_id, created_at=ctx.now()
    )
    event = outbox_row(ctx, FollowRequestAuthorized(requester_id, target_id))
    if not await ctx.store.authorize_follow_request(requester_id, target_id, edge, event=event):
        return False
    ctx.wake_dispatcher()
    return True


async def authorize_follow_request(
    ctx: Context, account: Account, requester_id: int
) -> Relationship:
    await get_account(ctx, requester_id)
    if not await _authorize(ctx, requester_id, account.id):
        raise NotFound("Record not found")
    return (await relationships(ctx, account, [requester_id]))[requester_id]


async def reject_follow_request(ctx: Context, account: Account, requester_id: int) -> Relationship:
    await get_account(ctx, requester_id)
    if not await withdraw_follow_request(ctx, requester_id, account.id):
        raise NotFound("Record not found")
    return (await relationships(ctx, account, [requester_id]))[requester_id]


async def authorize_all_follow_requests(ctx: Context, account_id: int) -> int:
    """Every request pending for an account that is no longer locked (the `account.unlocked`
    event's step: repeated after a crash, it finds only what is left). Returns how many."""
    account = await ctx.store.get_account(account_id)
    if account is None or account.locked:  # locked again meanwhile: the owner decides
        return 0
    done = 0
    while rows := await ctx.store.list_follow_requests(account_id, Page(limit=UNLOCK_BATCH)):
        for _, requester_id in rows:
            if await _authorize(ctx, requester_id, account_id):
                done += 1
    return done
