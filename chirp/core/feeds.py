"""Home feeds: fan-out on write into capped per-user feeds, pull-and-merge for big accounts.

The one module that knows how home timelines are kept (as Mastodon's FeedManager). Writing:
`fan_out_status` pushes a new tweet to its readers' feeds; `trim_feeds` keeps each touched feed at
the cap. Reading: `read_home` merges the stored feed with the viewer's own tweets and those of
followed accounts too big to fan out (`fanout_follower_threshold`), which are pulled at read time.
"""

from __future__ import annotations

from chirp.core.context import Context
from chirp.core.models import Page, Status

MERGE_ON_FOLLOW = 40


async def fan_out_status(ctx: Context, status: Status) -> list[int]:
    """Push a new tweet or retweet into home feeds; returns the feeds touched."""
    if status.visibility == "direct":
        # Direct tweets reach only the people they mention.
        return await ctx.store.fan_out(status, owner_ids=status.mention_ids, to_followers=False)
    author = await ctx.store.get_account(status.account_id)
    if author is None:
        return []
    original_author = None
    if status.reblog_of_id is not None:
        original = await ctx.store.get_status(status.reblog_of_id)
        if original is None:
            return []
        original_author = original.account_id
    big = author.followers_count >= ctx.settings.fanout_follower_threshold
    return await ctx.store.fan_out(status, to_followers=not big, original_author_id=original_author)


async def trim_feeds(ctx: Context, owner_ids: set[int]) -> int:
    return await ctx.store.trim_home_feeds(owner_ids, ctx.settings.home_feed_cap)


async def merge_after_follow(ctx: Context, owner_id: int, author_id: int) -> int:
    """A new follow brings the author's recent tweets into the follower's feed at once."""
    author = await ctx.store.get_account(author_id)
    if author is None or author.followers_count >= ctx.settings.fanout_follower_threshold:
        return 0  # big accounts are pulled at read time anyway
    return await ctx.store.merge_into_home_feed(owner_id, author_id, limit=MERGE_ON_FOLLOW)


async def read_home(ctx: Context, owner_id: int, page: Page) -> list[int]:
    big = await ctx.store.list_popular_followees(owner_id, ctx.settings.fanout_follower_threshold)
    return await ctx.store.home_timeline(owner_id, page, pull_account_ids=big)
