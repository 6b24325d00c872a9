"""Poll use cases: a poll opened with its tweet, read, voted in, replaced on an edit, and its
end (a due outbox event) notifying voters and the author. Limits as Mastodon's defaults,
advertised in the instance documents' `configuration.polls`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from chirp.core import notifications
from chirp.core.context import Context
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.events import PollEnded, PollVoted, outbox_row
from chirp.core.models import Account, Event, Notification, Poll
from chirp.core.ports.errors import MissingRecord, UniqueViolation
from chirp.core.text import grapheme_length
from chirp.core.views import load_visible

MAX_OPTIONS = 4
MAX_CHARACTERS_PER_OPTION = 50
MIN_EXPIRATION = 300  # seconds
MAX_EXPIRATION = 2_629_746  # seconds (a month)


@dataclass(slots=True)
class PollDraft:
    options: tuple[str, ...]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False


def check_poll(draft: PollDraft) -> None:
    """Mastodon's poll validation, with its messages."""
    if len(draft.options) < 2:
        raise InvalidInput("Validation failed: Poll options must have more than one item")
    if len(draft.options) > MAX_OPTIONS:
        raise InvalidInput(
            f"Validation failed: Poll options can't contain more than {MAX_OPTIONS} items"
        )
    if any(not option.strip() for option in draft.options):
        raise InvalidInput("Validation failed: Poll options can't be blank")
    if any(grapheme_length(option) > MAX_CHARACTERS_PER_OPTION for option in draft.options):
        raise InvalidInput(
            "Validation failed: Poll options cannot be longer than"
            f" {MAX_CHARACTERS_PER_OPTION} characters each"
        )
    if len({option.strip() for option in draft.options}) != len(draft.options):
        raise InvalidInput("Validation failed: Poll options contain duplicate items")
    if draft.expires_in < MIN_EXPIRATION:
        raise InvalidInput("Validation failed: Poll duration is too soon")
    if draft.expires_in > MAX_EXPIRATION:
        raise InvalidInput("Validation failed: Poll duration is too far into the future")


def _ended(ctx: Context, poll: Poll) -> Event:
    """The poll's end, due at `expires_at`: whichever node's dispatcher is free runs it once."""
    return outbox_row(ctx, PollEnded(poll.id, poll.status_id, poll.expires_at.isoformat()))


def _from_draft(ctx: Context, poll_id: int, author: Account, status_id: int, d: PollDraft) -> Poll:
    return Poll(
        id=poll_id,
        status_id=status_id,
        account_id=author.id,
        options=tuple(option.strip() for option in d.options),
        expires_at=ctx.now() + timedelta(seconds=d.expires_in),
        multiple=d.multiple,
        hide_totals=d.hide_totals,
        votes=(0,) * len(d.options),
    )


async def open_poll(ctx: Context, author: Account, status_id: int, draft: PollDraft) -> Poll:
    """Recorded just before its tweet (so no reader sees the tweet without it), with its end."""
    check_poll(draft)
    poll = _from_draft(ctx, ctx.new_id(), author, status_id, draft)
    await ctx.store.create_poll(poll, event=_ended(ctx, poll))
    return poll


async def close_poll_of(ctx: Context, status_id: int) -> None:
    """Remove a tweet's poll (the tweet is deleted, its edit drops the poll, or its write
    failed after the poll was recorded)."""
    found = await ctx.store.get_polls_of_statuses([status_id])
    if status_id in found:
        await ctx.store.remove_poll(found[status_id].id)


async def edit_poll(ctx: Context, author: Account, status_id: int, draft: PollDraft | None) -> None:
    """A tweet's edit carries its poll, as Mastodon's: none drops it; changed options or
    `multiple` reset every vote; otherwise the votes stay and the end and `hide_totals` move."""
    found = (await ctx.store.get_polls_of_statuses([status_id])).get(status_id)
    if draft is None:
        if found is not None:
            await ctx.store.remove_poll(found.id)
        return
    check_poll(draft)
    if found is None:
        await open_poll(ctx, author, status_id, draft)
        return
    poll = _from_draft(ctx, found.id, author, status_id, draft)
    keep = poll.options == found.options and poll.multiple == found.multiple
    await ctx.store.reset_poll(poll, event=_ended(ctx, poll), keep_votes=keep)


async def get_poll(ctx: Context, viewer_id: int | None, poll_id: int) -> Poll:
    """A poll whose tweet the viewer may see; 404 otherwise."""
    poll = await ctx.store.get_poll(poll_id)
    if poll is None or not await load_visible(ctx, [poll.status_id], viewer_id):
        raise NotFound("Record not found")
    return poll


async def vote_in_poll(ctx: Context, voter: Account, poll_id: int, choices: Sequence[int]) -> Poll:
    """Once per account; each choice an option's index; one choice unless `multiple`."""
    poll = await get_poll(ctx, voter.id, poll_id)
    if poll.account_id == voter.id:
        raise InvalidInput("Validation failed: You cannot vote in your own polls")
    if poll.expired(ctx.now()):
        raise InvalidInput("Validation failed: The poll has already ended")
    if not choices:
        raise InvalidInput("Validation failed: Choices can't be blank")
    if any(not 0 <= choice < len(poll.options) for choice in choices):
        raise InvalidInput("Validation failed: The chosen vote option does not exist")
    if len(set(choices)) != len(choices) or (len(choices) > 1 and not poll.multiple):
        raise InvalidInput("Validation failed: You have already voted on this poll")
    event = outbox_row(ctx, PollVoted(poll.id, poll.status_id, voter.id))
    try:
        voted = await ctx.store.add_poll_votes(
            poll.id, voter.id, sorted(choices), at=ctx.now(), event=event
        )
    except UniqueViolation:
        raise InvalidInput("Validation failed: You have already voted on this poll") from None
    except MissingRecord:
        raise NotFound("Record not found") from None
    ctx.wake_dispatcher()
    return voted


async def notify_poll_ended(ctx: Context, event: PollEnded) -> list[Notification]:
    """`poll` notifications to every voter and to the author, once the poll has ended (an end
    the poll's edit moved is left to the newer event)."""
    poll = await ctx.store.get_poll(event.poll_id)
    if poll is None or poll.expires_at.isoformat() != event.expires_at:
        return []
    if not poll.expired(ctx.now()):
        return []
    recipients = [*await ctx.store.poll_voter_ids(poll.id), poll.account_id]
    return await notifications.deliver(
        ctx,
        [
            Notification(
                id=ctx.new_id(),
                account_id=recipient,
                type="poll",
                from_account_id=poll.account_id,
                created_at=ctx.now(),
                status_id=poll.status_id,
            )
            for recipient in dict.fromkeys(recipients)
        ],
    )
