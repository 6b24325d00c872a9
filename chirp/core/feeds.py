"""Home feeds: fan-out on write into capped per-user feeds, pull-and-merge for big accounts.

The one module that knows how home timelines are kept (as Mastodon's FeedManager). Writing:
`plan_fan_out` turns who a new tweet reaches (`chirp.core.audience`, the one rule) into the feed
and list entries to write, and `fan_out_statuses` writes a batch of them; `FeedTrimmer` keeps the
feeds near the cap. Reading: `read_home` merges the stored feed with the viewer's own tweets and those of followed
accounts too big to fan out (`fanout_follower_threshold`), which are pulled at read time.
"""

from __future__ import annotations

from dataclasses import replace

from chirp.core.audience import Audience, Reader, Reads, audience, reaching
from chirp.core.context import Context
from chirp.core.models import VISIBILITIES, Account, Page, Status
from chirp.core.ports.timelines import AccountFilter, FanOut

MERGE_ON_FOLLOW = 40
# Rounds of a read-time pull (`_pull`), each scanning twice as many tweets as the last: a page
# of 20 looks at up to 620 of a big account's tweets for those the reader gets.
PULL_ROUNDS = 5
# A direct tweet is written into its recipients' feeds even when its author is pulled.
FOLLOWER_VISIBLE = ("public", "unlisted", "private")


async def plan_fan_out(
    ctx: Context, status: Status, author: Account | None, *, reads: Reads | None = None
) -> FanOut | None:
    """The home feeds and list timelines a new tweet or retweet (by `author`, None if gone)
    goes into, by the audience rule (`chirp.core.audience`); None if nothing is left to push.
    `reads`: the store's reads the rule makes (a batch's copies, read for all its tweets)."""
    if author is None and status.visibility != "direct":
        return None
    reached = await audience(ctx, status, reads=reads)
    return fan_out_of(status, reached)


def fan_out_of(status: Status, reached: Audience) -> FanOut:
    return FanOut(status, owner_ids=reached.feed_ids, list_ids=reached.list_ids)


async def fan_out_statuses(ctx: Context, plans: list[FanOut]) -> dict[int, list[int]]:
    """Push several tweets into home feeds in one go; per status, the feeds touched."""
    if not plans:
        return {}
    return await ctx.store.fan_out_many(plans)


async def trim_feeds(ctx: Context, owner_ids: set[int]) -> int:
    return await ctx.store.trim_home_feeds(owner_ids, ctx.settings.home_feed_cap)


class FeedTrimmer:
    """Keeps home feeds near the cap without measuring every feed a batch touched.

    Finding whether a feed is over the cap walks its newest `cap` entries (~0.1 ms for 800):
    done for every feed each batch reached, that cost more than the fan-out itself. So each
    process counts the entries it added to each feed and measures (and trims to the cap) a
    feed once it has added `cap // 2` since the last time, or when its count is evicted from
    the bounded map: one walk per cap/2 entries added. A feed thus stays within cap + cap/2 per
    process writing to it (~1,000 entries on average for 800). At cap/4 the walks were a third
    of a fan-out's time: cap/2 drains a posting burst ~28% faster (REST benchmark, posting:
    ~390 -> ~500 tweets/s fanned out to 1,000 followers) for ~11% more feed rows.
    """

    def __init__(self, *, tracked: int = 100_000) -> None:
        self.tracked = tracked
        # owner -> entries added since its feed was last measured, least recently touched first
        self._added: dict[int, int] = {}

    async def trim(self, ctx: Context, added: dict[int, int]) -> int:
        every = max(1, ctx.settings.home_feed_cap // 2)
        counts = self._added
        due: set[int] = set()
        for owner, count in added.items():
            total = counts.pop(owner, 0) + count
            if total >= every:
                due.add(owner)
            else:
                counts[owner] = total
        while len(counts) > self.tracked:
            oldest = next(iter(counts))
            del counts[oldest]
            due.add(oldest)
        return await trim_feeds(ctx, due) if due else 0


async def merge_after_follow(ctx: Context, owner_id: int, author_id: int) -> int:
    """A new follow brings the author's recent tweets into the follower's feed at once: those
    the audience rule gives the follower (`audience.reaching`)."""
    author = await ctx.store.get_account(author_id)
    if author is None or author.followers_count >= ctx.settings.fanout_follower_threshold:
        return 0  # big accounts are pulled at read time anyway
    recent = await ctx.store.account_timeline(
        author_id, Page(limit=MERGE_ON_FOLLOW), AccountFilter(VISIBILITIES)
    )
    found = await ctx.store.get_statuses(recent)
    tweets = [found[i] for i in recent if i in found]
    kept = await reaching(ctx, owner_id, tweets)
    return await ctx.store.merge_into_home_feed(owner_id, author_id, kept) if kept else 0


async def withdraw_after_unfollow(ctx: Context, owner_id: int, author_id: int) -> int:
    """An unfollow takes the author's tweets out of the follower's feed (unless followed again)."""
    return await ctx.store.remove_unfollowed_from_feed(owner_id, author_id)


async def withdraw_after_tag_unfollow(ctx: Context, owner_id: int, name: str) -> int:
    """A tag's unfollow takes the tweets it brought out of the feed (as Mastodon), but those
    the owner still gets otherwise: from followed accounts, or for another followed tag."""
    return await ctx.store.remove_unfollowed_tag_from_feed(owner_id, name)


async def read_home(ctx: Context, owner_id: int, page: Page) -> list[int]:
    """A page of the owner's home timeline, newest first: the stored feed and the owner's own
    tweets, merged with the tweets of followed accounts too big to fan out, pulled here and
    kept by the audience rule for this reader (`audience.reaching`), as the fan-out would have
    kept them."""
    stored = await ctx.store.home_timeline(owner_id, page)
    big = await ctx.store.list_popular_followees(owner_id, ctx.settings.fanout_follower_threshold)
    big = [a for a in big if a != owner_id]
    if not big:
        return stored
    pulled, edge = await _pull(ctx, owner_id, big, page, stored)
    forward = page.min_id is not None
    if edge is not None:  # the pulled tweets are known up to `edge`: the page stops there
        stored = _up_to(edge, stored, forward=forward)
    merged = sorted({*stored, *pulled}, reverse=not forward)[: page.limit]
    return sorted(merged, reverse=True)


def _up_to(edge: int, ids: list[int], *, forward: bool) -> list[int]:
    """Those of `ids` on this side of `edge` in the page's walk (older ones walking forward)."""
    return [i for i in ids if (i <= edge if forward else i >= edge)]


async def _pull(
    ctx: Context, owner_id: int, authors: list[int], page: Page, stored: list[int]
) -> tuple[list[int], int | None]:
    """The tweets of `authors` in `page` that reach `owner_id`, and the id up to which that is
    known (None: the whole page's range). A reader may be kept from many of a big account's
    tweets (its replies to strangers, its retweets when hidden), so the scan goes on past
    them until, with the `stored` ids (the feed's page), the page is full: each round reading
    twice as many as the last, for at most `PULL_ROUNDS`."""
    forward = page.min_id is not None
    kept: list[int] = []
    reader = Reader(ctx, owner_id)
    window, size = page, page.limit
    for _ in range(PULL_ROUNDS):
        found = await ctx.store.accounts_timeline(
            authors, replace(window, limit=size), visibilities=FOLLOWER_VISIBLE
        )
        statuses = await ctx.store.get_statuses(found)
        tweets = [statuses[i] for i in found if i in statuses]
        kept += (tweet.id for tweet in await reader.reached_by(tweets))
        if len(found) < size:
            return kept, None
        edge = found[0] if forward else found[-1]
        if len({*kept, *_up_to(edge, stored, forward=forward)}) >= page.limit:
            return kept, edge
        window = replace(page, min_id=edge) if forward else replace(page, max_id=edge)
        size *= 2
    return kept, edge


async def read_list(ctx: Context, list_id: int, page: Page) -> list[int]:
    return await ctx.store.list_timeline(list_id, page)


async def trim_lists(ctx: Context, list_ids: set[int]) -> int:
    return await ctx.store.trim_list_feeds(list_ids, ctx.settings.home_feed_cap)
