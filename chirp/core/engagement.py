"""Engagement use cases, in create/remove pairs: like, retweet, bookmark, pin. Repeating an
action is idempotent and returns the current state."""

from __future__ import annotations

from dataclasses import replace

from chirp.core.accounts import get_accounts
from chirp.core.context import Context
from chirp.core.errors import Forbidden, InvalidInput, NotFound
from chirp.core.events import FavouriteCreated, FavouriteRemoved, StatusCreated, outbox_row
from chirp.core.models import Account, Page, Status
from chirp.core.ports.errors import MissingRecord, UniqueViolation
from chirp.core.statuses import get_original_tweet, get_tweet, remove_status
from chirp.core.views import load_visible
from chirp.core.visibility import blocks_author, shunned_accounts

MAX_PINS = 5
# Pages of retweeters scanned to fill one page when followers-only retweets are skipped.
MAX_REBLOGGED_BY_SCANS = 5


async def _reload(ctx: Context, status: Status) -> Status:
    return await ctx.store.get_status(status.id) or status


async def _refuse_if_blocking(ctx: Context, account: Account, status: Status) -> None:
    """No like or retweet of an account the liker blocks (403, as Mastodon); the other way,
    the tweet is not even visible (404)."""
    if await blocks_author(ctx, account.id, status):
        raise Forbidden("This action is not allowed")


async def like_tweet(ctx: Context, account: Account, status_id: int) -> Status:
    status = await get_original_tweet(ctx, account.id, status_id)
    await _refuse_if_blocking(ctx, account, status)
    event = outbox_row(ctx, FavouriteCreated(status.id, account.id, status.account_id))
    try:
        if await ctx.store.add_favourite(ctx.new_id(), account.id, status.id, event=event):
            ctx.wake_dispatcher()
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone
    return await _reload(ctx, status)


async def unlike_tweet(ctx: Context, account: Account, status_id: int) -> Status:
    status = await get_original_tweet(ctx, account.id, status_id)
    event = outbox_row(ctx, FavouriteRemoved(status.id, account.id, status.account_id))
    if await ctx.store.remove_favourite(account.id, status.id, event=event):
        ctx.wake_dispatcher()
    return await _reload(ctx, status)


async def retweet(
    ctx: Context, account: Account, status_id: int, visibility: str | None = None
) -> Status:
    """Returns the retweet: its own status wrapping the original."""
    original = await get_original_tweet(ctx, account.id, status_id)
    await _refuse_if_blocking(ctx, account, original)
    if original.visibility not in ("public", "unlisted") and not (
        original.visibility == "private" and original.account_id == account.id
    ):
        raise Forbidden("This action is not allowed")
    visibility = visibility or account.default_privacy  # as Mastodon: the posting default
    if visibility not in ("public", "unlisted", "private"):
        raise InvalidInput("Validation failed: Visibility must be public, unlisted or private")
    if original.visibility == "private":
        visibility = "private"  # a self-retweet of a followers-only tweet stays followers-only
    existing = await ctx.store.find_reblog(account.id, original.id)
    if existing is not None:
        return existing
    wrapper = Status(
        id=ctx.new_id(),
        account_id=account.id,
        visibility=visibility,
        created_at=ctx.now(),
        reblog_of_id=original.id,
        conversation_id=original.conversation_id,
        application_id=None,
    )
    event = outbox_row(ctx, StatusCreated(wrapper.id))
    if ctx.outbox_gate is not None:
        await ctx.outbox_gate.wait_for_room(ctx)
    try:
        await ctx.store.create_status(wrapper, event=event)
    except UniqueViolation:  # a concurrent retweet of the same tweet by the same account won
        return await ctx.store.find_reblog(account.id, original.id) or wrapper
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone
    ctx.wake_dispatcher()
    return wrapper


async def unretweet(ctx: Context, account: Account, status_id: int) -> Status:
    """Returns the original, no longer retweeted by the account."""
    original = await get_original_tweet(ctx, account.id, status_id)
    existing = await ctx.store.find_reblog(account.id, original.id)
    if existing is not None:
        await remove_status(ctx, existing)
    return await _reload(ctx, original)


async def bookmark_tweet(ctx: Context, account: Account, status_id: int) -> Status:
    status = await get_original_tweet(ctx, account.id, status_id)
    try:
        await ctx.store.add_bookmark(ctx.new_id(), account.id, status.id)
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone
    return status


async def unbookmark_tweet(ctx: Context, account: Account, status_id: int) -> Status:
    status = await get_original_tweet(ctx, account.id, status_id)
    await ctx.store.remove_bookmark(account.id, status.id)
    return status


async def pin_tweet(ctx: Context, account: Account, status_id: int) -> Status:
    status = await get_tweet(ctx, account.id, status_id)
    if status.account_id != account.id or status.reblog_of_id is not None:
        raise InvalidInput("Validation failed: You can only pin your own posts")
    if status.visibility == "direct":
        raise InvalidInput("Validation failed: Direct posts cannot be pinned")
    if await ctx.store.count_pins(account.id) >= MAX_PINS:
        raise InvalidInput(f"Validation failed: You can pin at most {MAX_PINS} posts")
    try:
        await ctx.store.add_pin(ctx.new_id(), account.id, status.id)
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone
    return status


async def unpin_tweet(ctx: Context, account: Account, status_id: int) -> Status:
    status = await get_tweet(ctx, account.id, status_id)
    await ctx.store.remove_pin(account.id, status.id)
    return status


async def favourited_by(
    ctx: Context, viewer_id: int | None, status_id: int, page: Page
) -> tuple[list[Account], list[int]]:
    """Accounts that liked a tweet, newest first, with the cursor id of each row."""
    status = await get_original_tweet(ctx, viewer_id, status_id)
    rows = await ctx.store.list_favourited_by(status.id, page)
    return await _accounts_of(ctx, viewer_id, rows), [cursor for cursor, _ in rows]


async def reblogged_by(
    ctx: Context, viewer_id: int | None, status_id: int, page: Page
) -> tuple[list[Account], list[int]]:
    """Accounts that retweeted a tweet publicly, newest first, with the cursor id of each row
    scanned (hidden ones included, so the next page starts after them)."""
    status = await get_original_tweet(ctx, viewer_id, status_id)
    listed: list[tuple[int, int]] = []
    cursors: list[int] = []
    scan = replace(page)
    for _ in range(MAX_REBLOGGED_BY_SCANS):
        rows = await ctx.store.list_reblogged_by(status.id, scan)
        cursors += [cursor for cursor, _ in rows]
        # As in Mastodon, followers-only retweets are not listed: that would reveal them to
        # anyone. They are skipped here, and the page filled up from the next rows.
        wrappers = await ctx.store.get_statuses(wrapper for wrapper, _ in rows)
        listed += [
            (w, a)
            for w, a in rows
            if w in wrappers and wrappers[w].visibility in ("public", "unlisted")
        ]
        if len(rows) < scan.limit or len(listed) >= page.limit:
            break
        # Continue past what was scanned, in the page's direction, for what is still missing.
        scan.limit = page.limit - len(listed)
        if page.min_id is not None:
            scan.min_id = max(cursors)
        else:
            scan.max_id = min(cursors)
    listed.sort(key=lambda row: row[0], reverse=True)
    return await _accounts_of(ctx, viewer_id, listed), cursors


async def _accounts_of(
    ctx: Context, viewer_id: int | None, rows: list[tuple[int, int]]
) -> list[Account]:
    """Without the accounts the viewer shuns or is blocked by (`shunned_accounts`)."""
    hidden = await shunned_accounts(ctx, viewer_id, (a for _, a in rows))
    return await get_accounts(ctx, [a for _, a in rows if a not in hidden])


async def list_favourites(
    ctx: Context, account: Account, page: Page
) -> tuple[list[Status], list[int]]:
    """The account's liked tweets (still visible to it), newest like first, with cursors."""
    rows = await ctx.store.list_favourites(account.id, page)
    return await _statuses_of(ctx, account.id, rows)


async def list_bookmarks(
    ctx: Context, account: Account, page: Page
) -> tuple[list[Status], list[int]]:
    rows = await ctx.store.list_bookmarks(account.id, page)
    return await _statuses_of(ctx, account.id, rows)


async def _statuses_of(
    ctx: Context, viewer_id: int, rows: list[tuple[int, int]]
) -> tuple[list[Status], list[int]]:
    statuses = {s.id: s for s in await load_visible(ctx, (s for _, s in rows), viewer_id)}
    return [statuses[s] for _, s in rows if s in statuses], [cursor for cursor, _ in rows]
