"""Home feeds: fan-out on write into capped per-user feeds, pull-and-merge for big accounts.

The one module that knows how home timelines are kept (as Mastodon's FeedManager). Writing:
`plan_fan_out` decides who a new tweet reaches and `fan_out_statuses` pushes a batch of them;
`FeedTrimmer` keeps the feeds near the cap; `tag_audience` is who gets a tweet for its hashtags;
`list_audience` which lists' timelines it goes into, and exclusive lists keep their members'
tweets out of their owners' home feeds; `direct_recipients` who a direct tweet reaches (home
feeds and conversations). Reading: `read_home` merges the stored feed with the viewer's own tweets and those of followed
accounts too big to fan out (`fanout_follower_threshold`), which are pulled at read time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from chirp.core.context import Context
from chirp.core.models import Account, Page, Status, UserList
from chirp.core.ports.timelines import FanOut
from chirp.core.visibility import silenced_for

MERGE_ON_FOLLOW = 40

# Reads the followers of hashtags, by `text.tag_key` (`Store.tag_followers`, or a batch's copy).
TagFollowers = Callable[[list[str]], Awaitable[dict[str, list[int]]]]
# Reads the lists holding accounts (`Store.member_lists`, or a batch's copy).
MemberLists = Callable[[list[int]], Awaitable[dict[int, list[UserList]]]]


async def plan_fan_out(
    ctx: Context,
    status: Status,
    author: Account | None,
    *,
    tag_followers: TagFollowers | None = None,
    member_lists: MemberLists | None = None,
) -> FanOut | None:
    """Who a new tweet or retweet (by `author`, None if gone) goes to, in home feeds and list
    timelines; None if nothing is left to push. `tag_followers` reads hashtags' followers and
    `member_lists` the lists holding accounts (the store's by default; the dispatcher reads
    those of a whole batch at once)."""
    if status.visibility == "direct":
        recipients = await direct_recipients(ctx, status)
        owners = tuple(r for r in recipients if r != status.account_id)
        return FanOut(status, owner_ids=owners, to_followers=False)
    if author is None:
        return None
    original_author = None
    if status.reblog_of_id is not None:
        original = await ctx.store.get_status(status.reblog_of_id)
        if original is None:
            return None
        original_author = original.account_id
    involved = [status.account_id, original_author, status.in_reply_to_account_id]
    skip = await shunners(ctx, [a for a in involved if a is not None], None)
    big = author.followers_count >= ctx.settings.fanout_follower_threshold
    tagged = await tag_audience(
        ctx,
        status.account_id,
        status.visibility,
        status.tags,
        retweet=original_author is not None,
        followers=tag_followers,
    )
    lists_of = member_lists or ctx.store.member_lists
    member_of = (await lists_of([status.account_id])).get(status.account_id, [])
    lists = await list_audience(
        ctx, status, member_of, original_author_id=original_author, skip=skip, lists_of=lists_of
    )
    # Owners who put the author in an exclusive list read its tweets there, not at home.
    skip |= _exclusive(member_of, status.account_id)
    return FanOut(
        status,
        owner_ids=tuple(a for a in tagged if a not in skip),
        to_followers=not big,
        original_author_id=original_author,
        skip_owner_ids=frozenset(skip),
        list_ids=tuple(lst.id for lst in lists),
    )


async def direct_recipients(ctx: Context, status: Status) -> list[int]:
    """Who a direct tweet reaches (home feeds, conversations): its author and the people it
    mentions, but those who block or mute the author."""
    skip = await shunners(ctx, [status.account_id], status.mention_ids)
    return [status.account_id, *(m for m in dict.fromkeys(status.mention_ids) if m not in skip)]


async def list_audience(
    ctx: Context,
    status: Status,
    member_of: list[UserList],
    *,
    original_author_id: int | None,
    skip: set[int],
    lists_of: MemberLists | None = None,
) -> list[UserList]:
    """The lists (of those `member_of`, the lists holding its author) whose timelines a tweet
    goes into, as Mastodon's: never a direct tweet; not for an owner who shuns someone it
    involves (`skip`), nor the retweeted author's own lists; a reply to someone other than
    the author and the list's owner only by the list's `replies_policy`: `followed` if the
    owner follows the replied-to account, `list` if that account is a member too, `none`
    never."""
    if status.visibility == "direct":
        return []
    lists = [
        lst
        for lst in member_of
        if lst.account_id not in skip and lst.account_id != original_author_id
    ]
    replied_to = status.in_reply_to_account_id
    if replied_to is None or replied_to == status.account_id or not lists:
        return lists
    asking = {lst.account_id for lst in lists if lst.replies_policy == "followed"}
    following = set()
    if asking:
        found = await ctx.store.get_relationships(replied_to, asking)
        following = {owner for owner, relation in found.items() if relation.followed_by}
    listed = set()
    if any(lst.replies_policy == "list" for lst in lists):
        holding = (await (lists_of or ctx.store.member_lists)([replied_to])).get(replied_to, [])
        listed = {lst.id for lst in holding}
    return [
        lst
        for lst in lists
        if lst.account_id == replied_to
        or (lst.replies_policy == "followed" and lst.account_id in following)
        or (lst.replies_policy == "list" and lst.id in listed)
    ]


def _exclusive(member_of: list[UserList], author_id: int) -> set[int]:
    # One's own tweets are always at home, even from one's own exclusive list (as Mastodon).
    return {lst.account_id for lst in member_of if lst.exclusive and lst.account_id != author_id}


async def exclusive_owners(ctx: Context, author_id: int) -> set[int]:
    """Accounts that keep the author in an exclusive list: its tweets stay off their homes."""
    member_of = (await ctx.store.member_lists([author_id])).get(author_id, [])
    return _exclusive(member_of, author_id)


async def shunners(
    ctx: Context, account_ids: Iterable[int], among: Iterable[int] | None
) -> set[int]:
    """The accounts (among `among`; None: all) whose home feeds a tweet involving these
    accounts must not reach: they block or mute one of them (`chirp.core.blocks`). A tweet's
    author is never among them for themselves."""
    wanted = None if among is None else list(among)
    found: set[int] = set()
    now = ctx.now()
    for account_id in dict.fromkeys(account_ids):
        found |= await ctx.store.get_shunners(account_id, wanted, now)
    return found


def reaches_tag_followers(visibility: str, *, retweet: bool = False) -> bool:
    """Followers of a hashtag get the tweets its hashtag timeline shows: public ones, no
    retweets (as Mastodon); never a private or direct tweet, nor an unlisted one, which stays
    out of hashtag timelines too."""
    return visibility == "public" and not retweet


async def tag_audience(
    ctx: Context,
    author_id: int,
    visibility: str,
    tags: Iterable[str],
    *,
    retweet: bool = False,
    followers: TagFollowers | None = None,
) -> list[int]:
    """The accounts a tweet reaches for its hashtags (besides its author's followers, who may
    be among them: a home feed holds a tweet once): every follower of one of its tags but its
    author, once each. The fan-out, and the realtime pushes of new, edited and deleted tweets,
    use it."""
    tags = list(tags)
    if not tags or not reaches_tag_followers(visibility, retweet=retweet):
        return []
    if not await reaches_the_public(ctx, author_id):
        return []
    by_tag = await (followers or ctx.store.tag_followers)(tags)
    readers = dict.fromkeys(account for ids in by_tag.values() for account in ids)
    readers.pop(author_id, None)
    if not readers:
        return []
    # Not to those who block or mute the author: following a tag is no way around it.
    skip = await shunners(ctx, [author_id], readers)
    return [account for account in readers if account not in skip]


async def reaches_the_public(ctx: Context, author_id: int) -> bool:
    """Whether the author's public tweets go beyond their followers: to hashtag followers and
    the public and hashtag streams. Not for a silenced account (`visibility.silenced_for`)."""
    return not await silenced_for(ctx, None, [author_id])


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
    """A new follow brings the author's recent tweets into the follower's feed at once."""
    author = await ctx.store.get_account(author_id)
    if author is None or author.followers_count >= ctx.settings.fanout_follower_threshold:
        return 0  # big accounts are pulled at read time anyway
    return await ctx.store.merge_into_home_feed(owner_id, author_id, limit=MERGE_ON_FOLLOW)


async def withdraw_after_unfollow(ctx: Context, owner_id: int, author_id: int) -> int:
    """An unfollow takes the author's tweets out of the follower's feed (unless followed again)."""
    return await ctx.store.remove_unfollowed_from_feed(owner_id, author_id)


async def withdraw_after_tag_unfollow(ctx: Context, owner_id: int, name: str) -> int:
    """A tag's unfollow takes the tweets it brought out of the feed (as Mastodon), but those
    the owner still gets otherwise: from followed accounts, or for another followed tag."""
    return await ctx.store.remove_unfollowed_tag_from_feed(owner_id, name)


async def read_home(ctx: Context, owner_id: int, page: Page) -> list[int]:
    big = await ctx.store.list_popular_followees(owner_id, ctx.settings.fanout_follower_threshold)
    if big:  # pulled at read time, so the exclusive lists' rule applies here for them
        exclusive = await ctx.store.exclusive_list_members(owner_id)
        big = [a for a in big if a not in exclusive]
    return await ctx.store.home_timeline(owner_id, page, pull_account_ids=big)


async def read_list(ctx: Context, list_id: int, page: Page) -> list[int]:
    return await ctx.store.list_timeline(list_id, page)


async def trim_lists(ctx: Context, list_ids: set[int]) -> int:
    return await ctx.store.trim_list_feeds(list_ids, ctx.settings.home_feed_cap)
