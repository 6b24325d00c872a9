"""Chat moderators and viewer count history of live streams (Chirp extensions).

- A streamer appoints moderators for the chat of all their streams; a moderator deletes any
  message and bans (or lets back) anyone but the streamer and the other moderators
  (`chirp.core.live.can_moderate` is the one rule). Appointing is idempotent, as is dismissing.
- Every node samples each live stream's viewer count as it refreshes them
  (`chirp.core.live.refresh_viewer_counts`); the store keeps each minute's peak. Whoever may
  watch a stream may read its history.
"""

from __future__ import annotations

from datetime import datetime

from chirp.core.context import Context
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.live import get_stream
from chirp.core.models import Account, LiveStream
from chirp.core.ports.errors import MissingRecord

MODERATORS_MAX = 100
# A day of minutes: the history of one long stream.
HISTORY_MAX = 1440


async def appoint_moderator(ctx: Context, streamer: Account, account_id: int) -> None:
    if account_id == streamer.id:
        raise InvalidInput("You already moderate your own chat")
    if await ctx.store.is_chat_moderator(streamer.id, account_id):
        return
    current = await ctx.store.list_chat_moderators(streamer.id, limit=MODERATORS_MAX)
    if len(current) >= MODERATORS_MAX:
        raise InvalidInput(f"Validation failed: at most {MODERATORS_MAX} moderators")
    try:
        await ctx.store.add_chat_moderator(streamer.id, account_id, ctx.now())
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone


async def dismiss_moderator(ctx: Context, streamer: Account, account_id: int) -> None:
    await ctx.store.remove_chat_moderator(streamer.id, account_id)


async def list_moderators(ctx: Context, streamer_id: int) -> list[Account]:
    ids = await ctx.store.list_chat_moderators(streamer_id, limit=MODERATORS_MAX)
    accounts = await ctx.store.get_accounts(ids)
    return [accounts[i] for i in ids if i in accounts]


async def stream_moderators(
    ctx: Context, viewer_id: int | None, stream_id: int
) -> tuple[LiveStream, list[Account]]:
    """Who moderates a stream's chat, for whoever may watch it (chat shows their badge)."""
    stream = await get_stream(ctx, viewer_id, stream_id)
    return stream, await list_moderators(ctx, stream.account_id)


async def viewer_history(
    ctx: Context, viewer_id: int | None, stream_id: int
) -> list[tuple[datetime, int]]:
    stream = await get_stream(ctx, viewer_id, stream_id)
    return await ctx.store.viewer_count_history(stream.id, limit=HISTORY_MAX)
