"""Scheduled tweets (`scheduled_at`): checked and stored with the media they hold, published
on time by a due outbox event that whichever node's dispatcher is free runs (its lease keeps
other nodes off it; the publication's Idempotency-Key keeps a retried event from posting
twice; the row goes only once the tweet is written, so nothing is lost across a restart)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from chirp.core import statuses
from chirp.core.context import Context
from chirp.core.errors import ChirpError, InvalidInput, NotFound
from chirp.core.events import ScheduledStatusDue, outbox_row
from chirp.core.models import Account, Event, Page, ScheduledStatus
from chirp.core.polls import PollDraft
from chirp.core.ports.media import MediaNotAttachable

log = logging.getLogger(__name__)

MIN_LEAD = timedelta(minutes=5)  # as Mastodon: at least five minutes ahead
DAILY_LIMIT = 25  # per (UTC) day of `scheduled_at`, as Mastodon
TOTAL_LIMIT = 300


async def _check_time(
    ctx: Context, account_id: int, scheduled_at: datetime, *, moving: bool = False
) -> None:
    """Far enough ahead, and within Mastodon's limits (a move counts only against its day)."""
    if scheduled_at < ctx.now() + MIN_LEAD:
        raise InvalidInput(
            "Validation failed: Scheduled at The scheduled date must be in the future"
        )
    day = scheduled_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    total, that_day = await ctx.store.count_scheduled_statuses(
        account_id, since=day, until=day + timedelta(days=1)
    )
    if not moving and total >= TOTAL_LIMIT:
        raise InvalidInput(
            f"Validation failed: You have exceeded the limit of {TOTAL_LIMIT} scheduled posts"
        )
    if that_day >= DAILY_LIMIT:
        raise InvalidInput(
            f"Validation failed: You have exceeded the limit of {DAILY_LIMIT} scheduled posts"
            " for today"
        )


def _params(
    draft: statuses.TweetDraft, application_id: int | None, key: str | None
) -> dict[str, Any]:
    """Mastodon's `params` of a ScheduledStatus (ids as strings)."""
    poll = draft.poll
    return {
        "text": draft.text,
        "spoiler_text": draft.spoiler_text or None,
        "sensitive": draft.sensitive,
        "visibility": draft.visibility,
        "language": draft.language,
        "in_reply_to_id": str(draft.in_reply_to_id) if draft.in_reply_to_id else None,
        "quoted_status_id": str(draft.quoted_status_id) if draft.quoted_status_id else None,
        "media_ids": [str(m) for m in draft.media_ids] if draft.media_ids else None,
        "poll": None
        if poll is None
        else {
            "options": list(poll.options),
            "expires_in": poll.expires_in,
            "multiple": poll.multiple,
            "hide_totals": poll.hide_totals,
        },
        "scheduled_at": None,
        "idempotency": key,
        "application_id": application_id,
        "with_rate_limit": False,
    }


def _draft(params: dict[str, Any]) -> statuses.TweetDraft:
    poll = params.get("poll")
    return statuses.TweetDraft(
        text=params.get("text") or "",
        spoiler_text=params.get("spoiler_text") or "",
        sensitive=params.get("sensitive"),
        visibility=params.get("visibility"),
        language=params.get("language"),
        in_reply_to_id=int(params["in_reply_to_id"]) if params.get("in_reply_to_id") else None,
        quoted_status_id=int(params["quoted_status_id"])
        if params.get("quoted_status_id")
        else None,
        media_ids=tuple(int(m) for m in params.get("media_ids") or ()),
        poll=None
        if not poll
        else PollDraft(
            options=tuple(poll["options"]),
            expires_in=int(poll["expires_in"]),
            multiple=bool(poll.get("multiple")),
            hide_totals=bool(poll.get("hide_totals")),
        ),
    )


def _due(ctx: Context, scheduled: ScheduledStatus) -> Event:
    return outbox_row(ctx, ScheduledStatusDue(scheduled.id, scheduled.scheduled_at.isoformat()))


async def schedule_tweet(
    ctx: Context,
    author: Account,
    draft: statuses.TweetDraft,
    scheduled_at: datetime,
    *,
    application_id: int | None = None,
    idempotency_key: str | None = None,
) -> ScheduledStatus:
    """Checked now as a post is (text, visibility, reply, poll, media); its media held."""
    await _check_time(ctx, author.id, scheduled_at)
    await statuses.check_tweet(ctx, author, draft)
    scheduled = ScheduledStatus(
        id=ctx.new_id(),
        account_id=author.id,
        scheduled_at=scheduled_at,
        params=_params(draft, application_id, idempotency_key),
        media_ids=tuple(dict.fromkeys(draft.media_ids or ())),
    )
    try:
        await ctx.store.create_scheduled_status(scheduled, event=_due(ctx, scheduled))
    except MediaNotAttachable:
        raise InvalidInput("Validation failed: media is no longer available to attach") from None
    return scheduled


async def get_scheduled_tweet(ctx: Context, owner: Account, scheduled_id: int) -> ScheduledStatus:
    """One's own; 404 for anyone else's (never reveal it exists)."""
    found = await ctx.store.get_scheduled_status(scheduled_id)
    if found is None or found.account_id != owner.id:
        raise NotFound("Record not found")
    return found


async def list_scheduled_tweets(ctx: Context, owner: Account, page: Page) -> list[ScheduledStatus]:
    return await ctx.store.list_scheduled_statuses(owner.id, page)


async def reschedule_tweet(
    ctx: Context, owner: Account, scheduled_id: int, scheduled_at: datetime
) -> ScheduledStatus:
    found = await get_scheduled_tweet(ctx, owner, scheduled_id)
    await _check_time(ctx, owner.id, scheduled_at, moving=True)
    moved = await ctx.store.reschedule_status(
        found.id,
        scheduled_at,
        event=_due(ctx, ScheduledStatus(found.id, owner.id, scheduled_at, {})),
    )
    if moved is None:
        raise NotFound("Record not found")
    return moved


async def cancel_scheduled_tweet(ctx: Context, owner: Account, scheduled_id: int) -> None:
    found = await get_scheduled_tweet(ctx, owner, scheduled_id)
    await ctx.store.remove_scheduled_status(found.id, ctx.now())


async def publish_scheduled_tweet(ctx: Context, event: ScheduledStatusDue) -> None:
    """The due event: post the tweet, then drop the row. An event the tweet was moved away
    from, or one for a tweet published or cancelled already, does nothing."""
    scheduled = await ctx.store.get_scheduled_status(event.scheduled_id)
    if scheduled is None or scheduled.scheduled_at.isoformat() != event.scheduled_at:
        return
    author = await ctx.store.get_account(scheduled.account_id)
    if author is not None:
        await ctx.store.release_scheduled_media(scheduled.id, ctx.now())
        application = scheduled.params.get("application_id")
        try:
            await statuses.post_tweet(
                ctx,
                author,
                _draft(scheduled.params),
                application_id=application if isinstance(application, int) else None,
                idempotency_key=f"scheduled:{scheduled.id}",
            )
        except ChirpError as refused:  # e.g. the tweet it replies to is gone: as Mastodon, drop it
            log.warning(
                "scheduled post dropped",
                extra={"scheduled_id": scheduled.id, "reason": str(refused)},
            )
    await ctx.store.remove_scheduled_status(scheduled.id, ctx.now())
