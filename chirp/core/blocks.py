"""Blocks and mutes between accounts, with Mastodon's semantics.

A block removes follows (and pending follow requests) both ways; the blocked account cannot
follow the blocker, and neither sees the other's tweets anywhere (`visibility.blocked_from`
hides the blocker's tweets from the blocked account on every read, `visibility.screened_ids`
takes each other's tweets out of lists, threads and search; `feeds` keeps them out of home
feeds; notifications between them are dropped). A mute, optionally for a time and optionally
of notifications too, takes the muted account's tweets and retweets out of the muter's
timelines and threads. A mute's expiry is compared with the time of each read, so it ends
on time on every node; `sweep_expired_mutes` deletes what expired.

Every change is pushed to the streams of both accounts (`shunning_changed`), whose hub then
filters their shared topics with the new set.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from chirp.core import topics
from chirp.core.accounts import get_account
from chirp.core.context import Context
from chirp.core.errors import Forbidden
from chirp.core.events import FollowRemoved, outbox_row
from chirp.core.follows import relationships, withdraw_follow_request
from chirp.core.models import Account, AccountBlock, AccountMute, Page
from chirp.core.ports.follows import Relationship

log = logging.getLogger(__name__)

# How often each node deletes expired mutes (and so refreshes its muters' streams).
SWEEP_SECONDS = 15.0
# Mastodon takes any duration; ten years keeps the expiry date in range.
MAX_MUTE_SECONDS = 10 * 365 * 24 * 3600


async def block_account(ctx: Context, account: Account, target_id: int) -> Relationship:
    """Block (idempotent): then unfollow both ways and drop pending requests both ways."""
    if target_id == account.id:
        raise Forbidden("This action is not allowed")
    target = await get_account(ctx, target_id)
    await ctx.store.add_block(
        AccountBlock(
            id=ctx.new_id(),
            account_id=account.id,
            target_account_id=target.id,
            created_at=ctx.now(),
        )
    )
    # After the block is in: a follow racing with it is refused or removed here. Each step is
    # idempotent, so blocking again finishes what a crash left undone.
    for follower, followed in ((account.id, target.id), (target.id, account.id)):
        await _unfollow(ctx, follower, followed)
        await withdraw_follow_request(ctx, follower, followed)
    await shunning_changed(ctx, account.id, target.id)
    return (await relationships(ctx, account, [target.id]))[target.id]


async def _unfollow(ctx: Context, follower_id: int, followed_id: int) -> None:
    event = outbox_row(ctx, FollowRemoved(follower_id, followed_id))
    if await ctx.store.remove_follow(follower_id, followed_id, event=event):
        ctx.wake_dispatcher()


async def unblock_account(ctx: Context, account: Account, target_id: int) -> Relationship:
    target = await get_account(ctx, target_id)
    if await ctx.store.remove_block(account.id, target.id):
        await shunning_changed(ctx, account.id, target.id)
    return (await relationships(ctx, account, [target.id]))[target.id]


async def mute_account(
    ctx: Context, account: Account, target_id: int, *, notifications: bool, duration: int
) -> Relationship:
    """Mute, or change a mute's `notifications` and duration (seconds; 0: for good)."""
    if target_id == account.id:
        raise Forbidden("This action is not allowed")
    target = await get_account(ctx, target_id)
    now = ctx.now()
    seconds = min(max(duration, 0), MAX_MUTE_SECONDS)
    await ctx.store.save_mute(
        AccountMute(
            id=ctx.new_id(),
            account_id=account.id,
            target_account_id=target.id,
            notifications=notifications,
            created_at=now,
            expires_at=now + timedelta(seconds=seconds) if seconds else None,
        )
    )
    await shunning_changed(ctx, account.id)
    return (await relationships(ctx, account, [target.id]))[target.id]


async def unmute_account(ctx: Context, account: Account, target_id: int) -> Relationship:
    target = await get_account(ctx, target_id)
    if await ctx.store.remove_mute(account.id, target.id):
        await shunning_changed(ctx, account.id)
    return (await relationships(ctx, account, [target.id]))[target.id]


async def list_blocks(
    ctx: Context, account: Account, page: Page
) -> tuple[list[Account], list[int]]:
    """Blocked accounts, newest block first; cursors are block ids."""
    rows = await ctx.store.list_blocks(account.id, page)
    found = await ctx.store.get_accounts(a for _, a in rows)
    return [found[a] for _, a in rows if a in found], [cursor for cursor, _ in rows]


async def list_mutes(
    ctx: Context, account: Account, page: Page
) -> tuple[list[tuple[Account, AccountMute]], list[int]]:
    """Muted accounts with their mute (for `mute_expires_at`), newest first; cursors: mute ids."""
    mutes = await ctx.store.list_mutes(account.id, page, ctx.now())
    found = await ctx.store.get_accounts(m.target_account_id for m in mutes)
    listed = [(found[m.target_account_id], m) for m in mutes if m.target_account_id in found]
    return listed, [m.id for m in mutes]


async def hidden_accounts(ctx: Context, account_id: int) -> frozenset[int]:
    """Every account whose tweets the account's streams drop (blocks both ways, mutes)."""
    return frozenset(await ctx.store.get_shunned(account_id, ctx.now()))


async def shunning_changed(ctx: Context, *account_ids: int) -> None:
    """Hand each account's streams its new set of hidden accounts (on every node). Best
    effort, as realtime is: the block or mute is stored, and every REST read applies it."""
    if ctx.bus is None:
        return
    for account_id in account_ids:
        hidden = await hidden_accounts(ctx, account_id)
        try:
            await ctx.bus.publish(
                [topics.shunning(account_id)],
                topics.SHUNNING,
                ",".join(map(str, sorted(hidden))),
                keep=False,
            )
        except Exception:
            log.exception("stream filter refresh failed", extra={"account_id": account_id})


async def sweep_expired_mutes(ctx: Context) -> int:
    """Delete mutes past their expiry (reads ignore them already) and hand the muters' streams
    their new sets; how many accounts had a mute end."""
    muters = await ctx.store.purge_expired_mutes(ctx.now())
    await shunning_changed(ctx, *muters)
    return len(muters)
