"""Tokens that stop working: the `token.revoked` event, and its side effect on open streams.

REST needs no announcement (every request reads its token from the store); a websocket holds
its token for its lifetime, so the event's side effect asks every node, through the bus, to close
the streams opened with one of the tokens (`chirp.realtime.hub` closes them with 1008).
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from chirp.core import topics
from chirp.core.context import Context
from chirp.core.models import Event

log = logging.getLogger(__name__)

TOKENS_REVOKED = "token.revoked"  # payload: {"token_ids": [...]}


async def announce_revoked(ctx: Context, token_ids: Collection[int]) -> None:
    """Record `token.revoked` for tokens whose revocation (or account's disabling) the caller
    has just written."""
    if not token_ids:
        return
    event = Event(id=ctx.new_id(), kind=TOKENS_REVOKED, payload={"token_ids": sorted(token_ids)})
    try:
        await ctx.store.record_events([event], ctx.now())
    except Exception:  # the revocation is committed; streams also recheck on reconnect
        log.exception("could not record the revocation of tokens %s", sorted(token_ids))
        return
    ctx.wake_dispatcher()


async def close_revoked_streams(ctx: Context, token_ids: Collection[int]) -> None:
    """The side effect: one control message per token topic (raises, so the dispatcher
    retries, when the bus is down)."""
    if ctx.bus is not None and token_ids:
        await ctx.bus.publish(
            [topics.token(t) for t in token_ids], topics.REVOKED, "{}", keep=False
        )
