"""Tokens that stop working: the `token.revoked` event, and its side effect on open streams.

REST needs no announcement (every request reads its token from the store); a websocket holds
its token for its lifetime, so the event's side effect asks every node, through the bus, to close
the streams opened with one of the tokens (`chirp.realtime.hub` closes them with 1008). The event
is recorded with the revocation (`TokenStore.revoke_token` and friends take it), or alone when
no token changes (an account disabled: its tokens stay, its streams close).
"""

from __future__ import annotations

from collections.abc import Collection

from chirp.core import topics
from chirp.core.context import Context
from chirp.core.models import Event

TOKENS_REVOKED = "token.revoked"  # payload: {"token_ids": [...]}


def tokens_revoked(ctx: Context, token_ids: Collection[int]) -> Event:
    """The event to record with the write that ends these tokens."""
    return Event(id=ctx.new_id(), kind=TOKENS_REVOKED, payload={"token_ids": sorted(token_ids)})


async def close_streams_of(ctx: Context, token_ids: Collection[int]) -> None:
    """Close the tokens' streams without revoking them (the event alone)."""
    if token_ids:
        await ctx.store.record_events([tokens_revoked(ctx, token_ids)], ctx.now())
        ctx.wake_dispatcher()


async def close_revoked_streams(ctx: Context, token_ids: Collection[int]) -> None:
    """The side effect: one control message per token topic (raises, so the dispatcher
    retries, when the bus is down)."""
    if ctx.bus is not None and token_ids:
        await ctx.bus.publish(
            [topics.token(t) for t in token_ids], topics.REVOKED, "{}", keep=False
        )
