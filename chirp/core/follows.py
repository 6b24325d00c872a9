"""The follow graph: follow/unfollow, relationships, follower and following lists."""

from __future__ import annotations

from chirp.core.accounts import get_account
from chirp.core.context import Context
from chirp.core.errors import Forbidden, NotFound
from chirp.core.models import Account, Event, Follow, Page
from chirp.storage.port import MissingRecord, Relationship


async def follow(ctx: Context, account: Account, target_id: int) -> Relationship:
    if target_id == account.id:
        raise Forbidden("You cannot follow yourself")
    target = await get_account(ctx, target_id)
    edge = Follow(
        id=ctx.new_id(), account_id=account.id, target_account_id=target.id, created_at=ctx.now()
    )
    event = Event(
        id=ctx.new_id(),
        kind="follow.created",
        payload={"account_id": account.id, "target_account_id": target.id},
    )
    try:
        if await ctx.store.add_follow(edge, event=event):
            ctx.wake_dispatcher()
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone
    return (await relationships(ctx, account, [target.id]))[target.id]


async def unfollow(ctx: Context, account: Account, target_id: int) -> Relationship:
    target = await get_account(ctx, target_id)
    event = Event(
        id=ctx.new_id(),
        kind="follow.removed",
        payload={"account_id": account.id, "target_account_id": target.id},
    )
    if await ctx.store.remove_follow(account.id, target.id, event=event):
        ctx.wake_dispatcher()
    return (await relationships(ctx, account, [target.id]))[target.id]


async def relationships(
    ctx: Context, account: Account, target_ids: list[int]
) -> dict[int, Relationship]:
    return await ctx.store.get_relationships(account.id, target_ids)


async def followers(ctx: Context, account_id: int, page: Page) -> tuple[list[Account], list[int]]:
    await get_account(ctx, account_id)
    rows = await ctx.store.list_followers(account_id, page)
    return await _accounts(ctx, rows), [cursor for cursor, _ in rows]


async def following(ctx: Context, account_id: int, page: Page) -> tuple[list[Account], list[int]]:
    await get_account(ctx, account_id)
    rows = await ctx.store.list_following(account_id, page)
    return await _accounts(ctx, rows), [cursor for cursor, _ in rows]


async def _accounts(ctx: Context, rows: list[tuple[int, int]]) -> list[Account]:
    found = await ctx.store.get_accounts(a for _, a in rows)
    return [found[a] for _, a in rows if a in found]
