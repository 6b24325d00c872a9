"""Notifications: created from domain events (mention, favourite, reblog, follow, quote, update),
listed, dismissed and cleared by their recipient. Nobody is notified of acting on their own tweet.
Every new notification passes the recipient's conversation mutes and notification policy
(`notification_policy.screen`); the `notify*` functions return what the recipient is shown
now (for realtime push), not what was filtered for later review."""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.audience import Notice
from chirp.core.context import Context
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.filtering import without_hidden
from chirp.core.live import watchable_ids
from chirp.core.models import Account, Notification, Page
from chirp.core.notification_policy import open_requests, screen
from chirp.core.visibility import silenced_for, suspended_among, visible_ids

TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "quote",
    "chirp.live",  # a followed account went live (`stream_id` set): a Chirp extension
    "admin.sign_up",  # to staff: someone signed up
    "admin.report",  # to staff: a new report (`report_id` set)
)


def new_notification(
    ctx: Context,
    recipient: int,
    kind: str,
    sender: int,
    status_id: int | None,
    *,
    report_id: int | None = None,
) -> Notification:
    return Notification(
        id=ctx.new_id(),
        account_id=recipient,
        type=kind,
        from_account_id=sender,
        created_at=ctx.now(),
        status_id=status_id,
        report_id=report_id,
    )


async def deliver(ctx: Context, pending: list[Notification]) -> list[Notification]:
    """Screen, store (duplicates skipped) and open requests; returns what is shown now."""
    pending = await without_silenced_senders(ctx, pending)
    added = await ctx.store.add_notifications(await screen(ctx, pending))
    await open_requests(ctx, added)
    return [n for n in added if not n.filtered]


async def without_silenced_senders(ctx: Context, pending: list[Notification]) -> list[Notification]:
    """A suspended account notifies no one, a silenced one only its followers (the rules of
    `visibility.suspended_among` and `visibility.silenced_for`, per recipient)."""
    senders = {n.from_account_id for n in pending}
    gone = await suspended_among(ctx, senders)
    kept = [n for n in pending if n.from_account_id not in gone]
    if not await silenced_for(ctx, None, senders):
        return kept
    judged: dict[int, set[int]] = {}
    for n in kept:
        if n.account_id not in judged:
            judged[n.account_id] = await silenced_for(ctx, n.account_id, senders)
    return [n for n in kept if n.from_account_id not in judged[n.account_id]]


async def notify_audience(
    ctx: Context, sender_id: int, notices: Iterable[Notice]
) -> list[Notification]:
    """The notifications a tweet causes (`Audience.notices`: mentions, replies, retweets,
    quotes, an edit's new mentions), from its author."""
    return await deliver(
        ctx,
        [
            new_notification(ctx, n.recipient_id, n.type, sender_id, n.status_id)
            for n in notices
            if n.recipient_id != sender_id
        ],
    )


async def notify(
    ctx: Context, recipient: int, kind: str, sender: int, status_id: int | None = None
) -> list[Notification]:
    if recipient == sender:
        return []
    return await deliver(ctx, [new_notification(ctx, recipient, kind, sender, status_id)])


async def notify_live(ctx: Context, stream_id: int) -> list[Notification]:
    """`chirp.live` to every follower of the streamer (all of them may watch, private or not)."""
    stream = await ctx.store.get_live_stream(stream_id)
    if stream is None:
        return []
    followers = await ctx.store.follower_ids(stream.account_id)
    return await ctx.store.add_notifications(
        [
            Notification(
                id=ctx.new_id(),
                account_id=follower,
                type="chirp.live",
                from_account_id=stream.account_id,
                created_at=ctx.now(),
                stream_id=stream.id,
            )
            for follower in followers
        ]
    )


async def withdraw(
    ctx: Context, kind: str, sender: int, status_id: int | None, recipient: int | None = None
) -> int:
    """Undoing an action (unlike, unretweet) takes its notification back."""
    return await ctx.store.remove_notifications(kind, sender, status_id, recipient)


def check_types(types: Iterable[str]) -> list[str]:
    wanted = list(types)
    unknown = [t for t in wanted if t not in TYPES]
    if unknown:
        raise InvalidInput(f"Validation failed: Unknown notification type {', '.join(unknown)}")
    return wanted


async def list_notifications(
    ctx: Context,
    account: Account,
    page: Page,
    *,
    types: list[str] | None,
    exclude_types: list[str],
    from_account_id: int | None = None,
    include_filtered: bool = False,
) -> tuple[list[Notification], list[int]]:
    rows = await ctx.store.list_notifications(
        account.id,
        page,
        types=check_types(types) if types else None,
        exclude_types=check_types(exclude_types),
        from_account_id=from_account_id,
        include_filtered=include_filtered,
    )
    return await still_visible(ctx, account.id, rows), [n.id for n in rows]


async def get_notification(ctx: Context, account: Account, notification_id: int) -> Notification:
    found = await ctx.store.get_notification(account.id, notification_id)
    if found is None or not await still_visible(ctx, account.id, [found]):
        raise NotFound("Record not found")
    return found


async def dismiss_notification(ctx: Context, account: Account, notification_id: int) -> None:
    if not await ctx.store.dismiss_notification(account.id, notification_id):
        raise NotFound("Record not found")


async def clear_notifications(ctx: Context, account: Account) -> None:
    await ctx.store.clear_notifications(account.id)


async def still_visible(
    ctx: Context, viewer_id: int, rows: list[Notification]
) -> list[Notification]:
    """Drop notifications about tweets the recipient can no longer see (e.g. after unfollowing
    the author of a followers-only tweet), about streams they can no longer watch, and from
    accounts blocked either way since (as Mastodon clears them on a block) or whose
    notifications the recipient mutes."""
    statuses = await ctx.store.get_statuses(n.status_id for n in rows if n.status_id is not None)
    visible = await visible_ids(ctx, viewer_id, statuses.values())
    streams = await ctx.store.get_live_streams(n.stream_id for n in rows if n.stream_id is not None)
    watchable = await watchable_ids(ctx, viewer_id, streams.values())
    senders = {n.from_account_id for n in rows}
    unwelcome = await suspended_among(ctx, senders) | await silenced_for(ctx, viewer_id, senders)
    shunning = await ctx.store.get_shunning(viewer_id, (n.from_account_id for n in rows), ctx.now())
    # A mute of an account's notifications hides those it notified before the mute too.
    blocked = shunning.blocking | shunning.blocked_by | shunning.muting_notifications
    # Tweets the recipient's `hide` filters match in notifications leave them too.
    kept = await without_hidden(ctx, viewer_id, "notifications", list(statuses.values()))
    visible &= {s.id for s in kept}
    return [
        n
        for n in rows
        if n.from_account_id not in unwelcome
        and (n.status_id is None or n.status_id in visible)
        and (n.stream_id is None or n.stream_id in watchable)
        and n.from_account_id not in blocked
    ]
