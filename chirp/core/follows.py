"""The follow graph: follow/unfollow, relationships, follower and following lists."""

from __future__ import annotations

from chirp.core.accounts import get_account, get_accounts
from chirp.core.context import Context
from chirp.core.errors import Forbidden, InvalidInput, NotFound
from chirp.core.events import (
    FollowCreated,
    FollowRemoved,
    FollowRequestCreated,
    FollowRequestRemoved,
    outbox_row,
)
from chirp.core.languages import is_language
from chirp.core.models import Account, Follow, FollowOptions, FollowRequest, Page
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.follows import Relationship
from chirp.core.visibility import shunned_accounts

# A follow's options as a follow without any given: the defaults (`Follow`).
DEFAULT_OPTIONS = FollowOptions()


async def follow(
    ctx: Context, account: Account, target_id: int, options: FollowOptions = DEFAULT_OPTIONS
) -> Relationship:
    """Follow, or ask to when the target is locked (a follow request its owner decides on).
    Following already (or asking already), the options given change that follow (request)."""
    if target_id == account.id:
        raise Forbidden("You cannot follow yourself")
    _check_languages(options)
    target = await get_account(ctx, target_id)
    await _refuse_if_blocked(ctx, account.id, target.id)
    current = await _following(ctx, account.id, target.id)
    if current is not None:
        if options.applied(current):
            await ctx.store.set_follow_options(current)
    elif target.locked:
        await request_follow(ctx, account, target, options)
    else:
        edge = Follow(
            id=ctx.new_id(), account_id=account.id, target_account_id=target.id,
            created_at=ctx.now(),
        )  # fmt: skip
        options.applied(edge)
        event = outbox_row(ctx, FollowCreated(account.id, target.id))
        try:
            if await ctx.store.add_follow(edge, event=event):
                ctx.wake_dispatcher()
            elif (now := await _following(ctx, account.id, target.id)) and options.applied(now):
                await ctx.store.set_follow_options(now)  # a follow of the same moment won
        except MissingRecord as gone:
            raise NotFound("Record not found") from gone
    return (await relationships(ctx, account, [target.id]))[target.id]


async def _following(ctx: Context, account_id: int, target_id: int) -> Follow | None:
    return (await ctx.store.get_relationships(account_id, [target_id]))[target_id].following


def _check_languages(options: FollowOptions) -> None:
    unknown = [code for code in options.languages or () if not is_language(code)]
    if unknown:
        raise InvalidInput(f"Validation failed: Unknown language {', '.join(unknown)}")


async def _refuse_if_blocked(ctx: Context, account_id: int, target_id: int) -> None:
    """No follow (nor request) between accounts when either blocks the other (403, as
    Mastodon)."""
    shunning = await ctx.store.get_shunning(account_id, [target_id], ctx.now())
    if target_id in shunning.blocking or target_id in shunning.blocked_by:
        raise Forbidden("This action is not allowed")


async def request_follow(
    ctx: Context, account: Account, target: Account, options: FollowOptions = DEFAULT_OPTIONS
) -> None:
    """A follow request to a locked account, with the follow's options (nothing new if pending,
    but the options given; nothing if following already); its owner hears of it through a
    `follow_request` notification."""
    request = FollowRequest(
        id=ctx.new_id(), account_id=account.id, target_account_id=target.id, created_at=ctx.now()
    )
    options.applied(request)
    event = outbox_row(ctx, FollowRequestCreated(account.id, target.id))
    try:
        if await ctx.store.add_follow_request(request, event=event):
            ctx.wake_dispatcher()
        elif options != DEFAULT_OPTIONS:  # pending already: the options given change it
            pending = await ctx.store.get_follow_request(account.id, target.id)
            if pending is not None and options.applied(pending):
                await ctx.store.set_follow_request_options(pending)
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone


async def withdraw_follow_request(ctx: Context, account_id: int, target_id: int) -> bool:
    """Withdraw (or, for the target, reject) a pending request; False if none was pending."""
    event = outbox_row(ctx, FollowRequestRemoved(account_id, target_id))
    if not await ctx.store.remove_follow_request(account_id, target_id, event=event):
        return False
    ctx.wake_dispatcher()
    return True


async def unfollow(ctx: Context, account: Account, target_id: int) -> Relationship:
    target = await get_account(ctx, target_id)
    event = outbox_row(ctx, FollowRemoved(account.id, target.id))
    if await ctx.store.remove_follow(account.id, target.id, event=event):
        ctx.wake_dispatcher()
    else:  # not following: withdraw a pending request, if any, as Mastodon does
        await withdraw_follow_request(ctx, account.id, target.id)
    return (await relationships(ctx, account, [target.id]))[target.id]


async def remove_from_followers(ctx: Context, account: Account, follower_id: int) -> Relationship:
    """Make `follower_id` stop following the account (its tweets leave their home feed)."""
    follower = await get_account(ctx, follower_id)
    event = outbox_row(ctx, FollowRemoved(follower.id, account.id))
    if await ctx.store.remove_follow(follower.id, account.id, event=event):
        ctx.wake_dispatcher()
    return (await relationships(ctx, account, [follower.id]))[follower.id]


async def relationships(
    ctx: Context, account: Account, target_ids: list[int]
) -> dict[int, Relationship]:
    """The follow graph, pending follow requests both ways, the account's private notes, and
    blocks and mutes between them."""
    found = await ctx.store.get_relationships(account.id, target_ids)
    requested, requested_by = await ctx.store.get_follow_request_state(account.id, target_ids)
    notes = await ctx.store.get_account_notes(account.id, target_ids)
    shunning = await ctx.store.get_shunning(account.id, target_ids, ctx.now())
    for target, relation in found.items():
        relation.request = requested.get(target)
        relation.requested = relation.request is not None
        relation.requested_by = target in requested_by
        relation.note = notes.get(target, "")
        relation.blocking = target in shunning.blocking
        relation.blocked_by = target in shunning.blocked_by
        relation.muting = target in shunning.muting
        relation.muting_notifications = target in shunning.muting_notifications
    return found


async def familiar_followers(
    ctx: Context, account: Account, target_ids: list[int]
) -> list[tuple[int, list[Account]]]:
    """Per existing target, in the order asked: the accounts the viewer follows that follow it."""
    targets = await ctx.store.get_accounts(target_ids)
    wanted = [t for t in dict.fromkeys(target_ids) if t in targets]
    found = await ctx.store.familiar_followers(account.id, wanted)
    every = {a for ids in found.values() for a in ids}
    hidden = await shunned_accounts(ctx, account.id, every)
    loaded = await ctx.store.get_accounts(every - hidden)
    return [(t, [loaded[a] for a in found.get(t, []) if a in loaded]) for t in wanted]


async def followers(
    ctx: Context, viewer_id: int | None, account_id: int, page: Page
) -> tuple[list[Account], list[int]]:
    """The account's followers as the viewer may see them (`_seen_by`), with cursors."""
    await get_account(ctx, account_id)
    rows = await ctx.store.list_followers(account_id, page)
    return await _seen_by(ctx, viewer_id, account_id, rows), [cursor for cursor, _ in rows]


async def following(
    ctx: Context, viewer_id: int | None, account_id: int, page: Page
) -> tuple[list[Account], list[int]]:
    await get_account(ctx, account_id)
    rows = await ctx.store.list_following(account_id, page)
    return await _seen_by(ctx, viewer_id, account_id, rows), [cursor for cursor, _ in rows]


async def _seen_by(
    ctx: Context, viewer_id: int | None, owner_id: int, rows: list[tuple[int, int]]
) -> list[Account]:
    """As Mastodon: nothing when the list's owner blocks the viewer; otherwise without the
    accounts the viewer shuns or is blocked by, unless the viewer reads its own list."""
    ids = [a for _, a in rows]
    if viewer_id is not None and viewer_id != owner_id:
        if owner_id in (await ctx.store.get_shunning(viewer_id, [owner_id], ctx.now())).blocked_by:
            return []
        hidden = await shunned_accounts(ctx, viewer_id, ids)
        ids = [a for a in ids if a not in hidden]
    return await get_accounts(ctx, ids)


async def _accounts(ctx: Context, rows: list[tuple[int, int]]) -> list[Account]:
    return await get_accounts(ctx, [a for _, a in rows])


async def set_account_note(
    ctx: Context, account: Account, target_id: int, comment: str
) -> Relationship:
    """The account's private note on another (an empty comment removes it)."""
    target = await get_account(ctx, target_id)
    await ctx.store.set_account_note(account.id, target.id, comment.strip(), ctx.now())
    return (await relationships(ctx, account, [target.id]))[target.id]
