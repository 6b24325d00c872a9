"""Direct conversations (Mastodon's `/api/v1/conversations`): each participant of a direct
tweet has its own view of the conversation (thread, same people), kept as direct tweets are
posted, edited and deleted (`side_effects`): unread for those who receive a new tweet, read
for its author; removed by a participant for themselves only, and made again by the next
tweet. Only participants have one: every read is of the reader's own rows."""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.audience import audience
from chirp.core.context import Context
from chirp.core.errors import NotFound
from chirp.core.models import Account, Conversation, Page, Status
from chirp.core.views import Loaded, load_visible


def thread_of(status: Status) -> int:
    return status.conversation_id if status.conversation_id is not None else status.id


async def add_direct_tweet(
    ctx: Context, status: Status, *, only: Iterable[int] | None = None
) -> list[Conversation]:
    """Put a direct tweet in the conversation of each of its recipients (`only` some of
    them: those an edit newly mentions). Idempotent."""
    recipients = (await audience(ctx, status)).direct_ids
    everyone = sorted({status.account_id, *status.mention_ids})
    wanted = recipients if only is None else [r for r in recipients if r in set(only)]
    updated = []
    for account_id in wanted:
        updated.append(
            await ctx.store.add_conversation_status(
                account_id,
                thread_of(status),
                [p for p in everyone if p != account_id],
                status.id,
                unread=account_id != status.account_id,
                new_id=ctx.new_id(),
            )
        )
    return updated


async def remove_direct_tweet(ctx: Context, status_id: int) -> list[Conversation]:
    """A deleted tweet leaves its conversations; one left empty goes too."""
    return await ctx.store.remove_conversation_status(status_id)


async def direct_timeline(
    ctx: Context, viewer: Account, page: Page, *, loaded: Loaded | None = None
) -> tuple[list[Status], list[int]]:
    """The direct tweets the viewer wrote or is mentioned in, newest first (Mastodon's
    `/api/v1/timelines/direct`, from before conversations replaced it), screened as timelines."""
    ids = await ctx.store.direct_timeline(viewer.id, page)
    return await load_visible(ctx, ids, viewer.id, loaded=loaded, screen=True), ids


async def list_conversations(ctx: Context, viewer: Account, page: Page) -> list[Conversation]:
    return await ctx.store.list_conversations(viewer.id, page)


async def read_conversation(ctx: Context, viewer: Account, conversation_id: int) -> Conversation:
    found = await ctx.store.mark_conversation_read(viewer.id, conversation_id)
    if found is None:
        raise NotFound("Record not found")
    if ctx.tweet_push is not None:
        ctx.tweet_push.conversation_changed(found)
    return found


async def remove_conversation(ctx: Context, viewer: Account, conversation_id: int) -> None:
    if not await ctx.store.remove_conversation(viewer.id, conversation_id):
        raise NotFound("Record not found")


def participants_shown(conversation: Conversation) -> list[int]:
    """Mastodon's `accounts`: the others, or the reader alone when it wrote to itself."""
    return list(conversation.participant_ids) or [conversation.account_id]
