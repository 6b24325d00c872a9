"""Deleting a suspended account's data (`DELETE /api/v1/admin/accounts/:id`), as Mastodon's
`DeleteAccountService` does for a suspended local account: its tweets (and retweets) with their
media, likes, bookmarks, follows both ways, follow requests, blocks, mutes, scheduled posts,
lists, direct conversations, notifications and profile go; the account record stays, suspended and emptied, so its username
cannot be taken again (Mastodon's `reserve_username`), and so do reports about it.

The request records an `account.deleted` outbox event; the dispatcher does the deletion, through
the same writes (and events) as the account's own removals, so feeds, counters, notifications
and streams follow as they always do. Each part is idempotent and the step starts over when
retried, so a node dying half way loses nothing: the next dispatcher finishes the work.
"""

from __future__ import annotations

from dataclasses import replace

from chirp.core import moderation
from chirp.core.context import Context
from chirp.core.errors import Forbidden
from chirp.core.events import (
    AccountDeleted,
    FavouriteRemoved,
    FollowRemoved,
    FollowRequestRemoved,
    outbox_row,
)
from chirp.core.models import Account, Page
from chirp.core.ports.timelines import AccountFilter
from chirp.core.profiles import clear_profile_images
from chirp.core.statuses import remove_status

EVENT = "account.deleted"
CHUNK = 200
STATUSLESS_NOTIFICATIONS = ("follow", "follow_request", "admin.sign_up", "admin.report")
# Everything the account ever posted, whoever could see it.
EVERYTHING = AccountFilter(visibilities=("public", "unlisted", "private", "direct"))


async def delete_account_data(ctx: Context, actor: Account | None, target_id: int) -> Account:
    """Schedule the deletion (staff above the account's role; only a suspended account, as
    Mastodon: 403 otherwise). Returns the account as it was."""
    target, record = await moderation.staff_target(ctx, actor, target_id)
    if record.suspended_at is None:
        raise Forbidden("This action is not allowed")
    entry = moderation.audit_entry(ctx, actor, "destroy_account", "account", target_id)
    await ctx.store.save_moderation(replace(record, updated_at=ctx.now()), audit=entry)
    event = outbox_row(ctx, AccountDeleted(target_id))
    await ctx.store.record_events([event], ctx.now())
    ctx.wake_dispatcher()
    return target


async def purge_account(ctx: Context, account_id: int) -> None:
    """The dispatcher's step: remove everything of the account (still suspended) but its row."""
    account = await ctx.store.get_account(account_id)
    record = (await ctx.store.get_moderations([account_id])).get(account_id)
    if account is None or record is None or record.suspended_at is None:
        return  # unsuspended since: its owner keeps the account
    first = Page(limit=CHUNK)
    while ids := await ctx.store.account_timeline(account_id, first, EVERYTHING):
        for status in (await ctx.store.get_statuses(ids)).values():
            await remove_status(ctx, status)
    while liked := await ctx.store.list_favourites(account_id, first):
        statuses = await ctx.store.get_statuses(s for _, s in liked)
        for _, status_id in liked:
            author = statuses[status_id].account_id if status_id in statuses else account_id
            event = outbox_row(ctx, FavouriteRemoved(status_id, account_id, author))
            await ctx.store.remove_favourite(account_id, status_id, event=event)
    while saved := await ctx.store.list_bookmarks(account_id, first):
        for _, status_id in saved:
            await ctx.store.remove_bookmark(account_id, status_id)
    while followed := await ctx.store.list_following(account_id, first):
        for _, target in followed:
            event = outbox_row(ctx, FollowRemoved(account_id, target))
            await ctx.store.remove_follow(account_id, target, event=event)
    while followers := await ctx.store.list_followers(account_id, first):
        for _, follower in followers:
            event = outbox_row(ctx, FollowRemoved(follower, account_id))
            await ctx.store.remove_follow(follower, account_id, event=event)
    while asking := await ctx.store.list_follow_requests(account_id, first):
        for _, requester in asking:
            event = outbox_row(ctx, FollowRequestRemoved(requester, account_id))
            await ctx.store.remove_follow_request(requester, account_id, event=event)
    while blocked := await ctx.store.list_blocks(account_id, first):
        for _, target in blocked:
            await ctx.store.remove_block(account_id, target)
    while muted := await ctx.store.list_mutes(account_id, first, ctx.now()):
        for mute in muted:
            await ctx.store.remove_mute(account_id, mute.target_account_id)
    while scheduled := await ctx.store.list_scheduled_statuses(account_id, first):
        for post in scheduled:
            await ctx.store.remove_scheduled_status(post.id, ctx.now())
    for owned in await ctx.store.get_lists(account_id):
        await ctx.store.delete_list(owned.id)
    while chats := await ctx.store.list_conversations(account_id, first):
        for chat in chats:
            await ctx.store.remove_conversation(account_id, chat.id)
    for kept in await ctx.store.get_filters(account_id):
        await ctx.store.remove_filter(account_id, kept.id)
    await ctx.store.clear_notifications(account_id)
    # What it notified others of without a tweet (those about tweets went with the tweets, the
    # likes and the retweets): Mastodon deletes every notification from the account.
    for kind in STATUSLESS_NOTIFICATIONS:
        await ctx.store.remove_notifications(kind, account_id, None)
    await _empty_profile(ctx, account)
    ctx.wake_dispatcher()


async def _empty_profile(ctx: Context, account: Account) -> None:
    await ctx.store.update_account_profile(
        account.id,
        updated_at=ctx.now(),
        display_name="",
        note="",
        fields=[],
    )
    await clear_profile_images(ctx, account.id)
