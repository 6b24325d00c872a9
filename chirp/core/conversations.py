"""Muting a conversation: no more notifications from a thread (replies, likes, retweets,
mentions within it). Only a thread one takes part in (wrote or was mentioned in the given
post) may be muted, as in Mastodon. Threads are keyed by their root (`conversation_id`)."""

from __future__ import annotations

from chirp.core.context import Context
from chirp.core.errors import InvalidInput
from chirp.core.models import Account, Status
from chirp.core.statuses import get_original_tweet


async def _thread_post(ctx: Context, account: Account, status_id: int) -> Status:
    status = await get_original_tweet(ctx, account.id, status_id)
    if status.account_id != account.id and account.id not in status.mention_ids:
        raise InvalidInput("Validation failed: You can only mute conversations you take part in")
    return status


def _root(status: Status) -> int:
    return status.conversation_id if status.conversation_id is not None else status.id


async def mute_conversation(ctx: Context, account: Account, status_id: int) -> Status:
    status = await _thread_post(ctx, account, status_id)
    await ctx.store.mute_conversation(account.id, _root(status), ctx.now())
    return status


async def unmute_conversation(ctx: Context, account: Account, status_id: int) -> Status:
    status = await _thread_post(ctx, account, status_id)
    await ctx.store.unmute_conversation(account.id, _root(status))
    return status
