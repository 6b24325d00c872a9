"""Who receives a tweet: the one rule for home feeds, streams and notifications.

`audience_of` is a pure function of the tweet and of what its author's relationships say
(`Relationships`); `load_relationships` reads those from the store (each backend implements
only these reads: followers, who hides retweets, who follows the replied-to account, shunners,
lists, hashtag followers). The fan-out writes `Audience.feed_ids`, the realtime push publishes
to `Audience.topics`, the notifications go to `Audience.notices`: a new, edited or deleted tweet
reaches the same people by every road (an edit or a delete goes where the tweet went).

The rule, as Mastodon's fan-out:

- a direct tweet: its author and the accounts it mentions, but those who block or mute the
  author; no list, no public stream;
- otherwise the author's followers, but
  - a retweet: not those who turned the author's retweets off, nor the original's author;
  - a tweet in a known language: not those who follow the author for other languages only;
  - a reply to someone else: only followers who follow that someone too (or are them): the
    conversation otherwise makes no sense to them;
  - never an account blocking or muting someone it involves (author, retweeted author,
    replied-to account), nor one keeping the author in an exclusive list (they read it there);
- plus the followers of its hashtags, for a public tweet that is no retweet by an author who is
  not silenced (the same tweets the hashtag timelines show), under the same exclusions;
- the lists holding its author, by each list's `replies_policy` (`list_ids`);
- the public and hashtag streams for a public tweet that is no retweet, unless the author is
  silenced;
- an author with `fanout_follower_threshold` followers or more has its followers' feeds
  pulled at read time (`feeds.read_home`): they are in `home_ids` (pushed), not in `feed_ids`;
- a `status` notification to the followers it reaches who asked for one (`Follow.notify`), for
  a new tweet that is no retweet nor a reply to someone else (as Mastodon's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from chirp.core import topics
from chirp.core.context import Context
from chirp.core.models import Account, Follow, Page, Status, UserList

# The retweeters an edit notifies (the newest).
REBLOGGERS_NOTIFIED = 1000
# Reads the followers of hashtags, by `text.tag_key` (`Store.tag_followers`, or a batch's copy).
TagFollowers = Callable[[list[str]], Awaitable[dict[str, list[int]]]]
# Reads the lists holding accounts (`Store.member_lists`, or a batch's copy).
MemberLists = Callable[[list[int]], Awaitable[dict[int, list[UserList]]]]
# Reads an account's followers (`Store.follower_ids`, or a batch's copy).
FollowerIds = Callable[[int], Awaitable[list[int]]]
# Reads the follows of an account whose options are not the defaults
# (`Store.followers_with_options`, or a batch's copy).
FollowersWithOptions = Callable[[int], Awaitable[list[Follow]]]


class Tweet(Protocol):
    """What the rule reads of a tweet: a `Status`, or a deleted one's `events.TweetRef`."""

    @property
    def id(self) -> int: ...
    @property
    def account_id(self) -> int: ...
    @property
    def visibility(self) -> str: ...
    @property
    def language(self) -> str | None: ...
    @property
    def reblog_of_id(self) -> int | None: ...
    @property
    def in_reply_to_account_id(self) -> int | None: ...
    @property
    def quote_of_id(self) -> int | None: ...
    @property
    def mention_ids(self) -> tuple[int, ...]: ...
    @property
    def tags(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class TweetRef:
    """The fields of a tweet the rule reads: kept in a delete's event, since the tweet is gone
    by the time its side effects run."""

    id: int
    account_id: int
    visibility: str
    reblog_of_id: int | None = None
    in_reply_to_account_id: int | None = None
    quote_of_id: int | None = None
    mention_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    language: str | None = None

    @classmethod
    def of(cls, tweet: Tweet) -> TweetRef:
        return cls(
            tweet.id,
            tweet.account_id,
            tweet.visibility,
            tweet.reblog_of_id,
            tweet.in_reply_to_account_id,
            tweet.quote_of_id,
            tuple(tweet.mention_ids),
            tuple(tweet.tags),
            tweet.language,
        )


@dataclass(frozen=True, slots=True)
class Notice:
    """A notification a tweet causes: `type` for `recipient_id`, about `status_id`."""

    recipient_id: int
    type: str
    status_id: int


@dataclass(frozen=True, slots=True)
class Relationships:
    """What the rule needs to know about the accounts a tweet involves."""

    # False: the author is gone (nothing but a direct tweet's recipients is left to reach).
    author_exists: bool = True
    # The retweeted tweet's author (None: no retweet, or the original is gone).
    original_author_id: int | None = None
    quoted_author_id: int | None = None
    followers: tuple[int, ...] = ()
    hiding_reblogs: frozenset[int] = frozenset()
    # Followers who asked for a `status` notification of each new tweet (`Follow.notify`), and
    # those who read only some languages of the author's (`Follow.languages`).
    notified: frozenset[int] = frozenset()
    languages: Mapping[int, frozenset[str]] = field(default_factory=dict)
    # Among the followers and the owners of lists holding the author: who follows the
    # replied-to account.
    follows_replied_to: frozenset[int] = frozenset()
    # Accounts blocking or muting someone the tweet involves (a direct tweet: its author).
    shunners: frozenset[int] = frozenset()
    # Lists holding the author, and of those holding the replied-to account, their ids.
    member_lists: tuple[UserList, ...] = ()
    replied_to_lists: frozenset[int] = frozenset()
    tag_followers: tuple[int, ...] = ()
    silenced: bool = False
    # The author's followers read its tweets at read time (`fanout_follower_threshold`).
    pulled: bool = False
    # Who retweeted it (an edit notifies them).
    rebloggers: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Audience:
    """Everyone a tweet reaches."""

    status_id: int
    # Readers whose home timeline shows it (their `user` stream gets it), its author first.
    home_ids: tuple[int, ...] = ()
    # The home feeds it is stored in: `home_ids` but its author (whose own tweets are read
    # from the tweets) and followers read at read time.
    feed_ids: tuple[int, ...] = ()
    list_ids: tuple[int, ...] = ()
    # Public and hashtag streams (`tags`).
    public: bool = False
    tags: tuple[str, ...] = ()
    # A direct tweet's participants (their `direct` stream shows its edits and deletes).
    direct_ids: tuple[int, ...] = ()
    notices: tuple[Notice, ...] = field(default=())

    def topics(self, *, direct: bool = False) -> list[str]:
        """Its stream topics: home and list streams, public and hashtag streams; with
        `direct`, the participants' `direct` streams too (edits and deletes)."""
        found = [topics.user(a) for a in self.home_ids]
        found += [topics.list_(i) for i in self.list_ids]
        if self.public:
            found += [topics.PUBLIC, *(topics.hashtag(t) for t in self.tags)]
        if direct:
            found += [topics.direct(a) for a in self.direct_ids]
        return list(dict.fromkeys(found))


def replies_to_other(tweet: Tweet) -> int | None:
    """The replied-to account of a reply to someone other than its author (else None)."""
    replied_to = tweet.in_reply_to_account_id
    return None if replied_to in (None, tweet.account_id) else replied_to


def reaches_the_public(tweet: Tweet, *, silenced: bool) -> bool:
    """Public and hashtag timelines and streams, and hashtag followers: public tweets that are
    no retweets (as Mastodon), by authors who are not silenced."""
    return tweet.visibility == "public" and tweet.reblog_of_id is None and not silenced


def audience_of(
    tweet: Tweet, facts: Relationships, *, new_mentions: Iterable[int] | None = None
) -> Audience:
    """Who `tweet` reaches (module docstring). `new_mentions`: an edit's newly mentioned
    accounts (its notices); None for a new tweet."""
    author = tweet.account_id
    notices = _notices(tweet, facts, new_mentions)
    if tweet.visibility == "direct":
        mentioned = (m for m in dict.fromkeys(tweet.mention_ids) if m != author)
        recipients = (author, *(m for m in mentioned if m not in facts.shunners))
        return Audience(
            tweet.id, home_ids=recipients, feed_ids=recipients[1:], direct_ids=recipients,
            notices=notices,
        )  # fmt: skip
    if not facts.author_exists or (tweet.reblog_of_id is not None and not facts.original_author_id):
        return Audience(tweet.id, notices=notices)
    skip = facts.shunners | _exclusive_owners(facts.member_lists, author)
    followers: Iterable[int] = facts.followers
    if tweet.reblog_of_id is not None:
        hiding, original = facts.hiding_reblogs, facts.original_author_id
        followers = (f for f in followers if f not in hiding and f != original)
    elif tweet.language and facts.languages:
        chosen, language = facts.languages, tweet.language
        followers = (f for f in followers if language in chosen.get(f, (language,)))
    replied_to = replies_to_other(tweet)
    if replied_to is not None:
        along = facts.follows_replied_to
        followers = (f for f in followers if f == replied_to or f in along)
    home = [f for f in followers if f not in skip and f != author]
    if new_mentions is None and tweet.reblog_of_id is None and replied_to is None:
        notices += tuple(Notice(f, "status", tweet.id) for f in home if f in facts.notified)
    public = reaches_the_public(tweet, silenced=facts.silenced)
    tagged = []
    if public and tweet.tags:  # following a tag is no way around a block or a mute
        tagged = [a for a in facts.tag_followers if a not in skip and a != author]
    feed = list(dict.fromkeys([*tagged, *(() if facts.pulled else home)]))
    return Audience(
        tweet.id,
        home_ids=tuple(dict.fromkeys([author, *home, *tagged])),
        feed_ids=tuple(feed),
        list_ids=tuple(lst.id for lst in _lists(tweet, facts)),
        public=public,
        tags=tuple(tweet.tags) if public else (),
        notices=notices,
    )


def _exclusive_owners(member_of: Iterable[UserList], author_id: int) -> frozenset[int]:
    # One's own tweets are always at home, even from one's own exclusive list (as Mastodon).
    return frozenset(lst.account_id for lst in member_of if lst.exclusive and lst.account_id != author_id)  # fmt: skip


def _lists(tweet: Tweet, facts: Relationships) -> list[UserList]:
    """The lists whose timelines it goes into, as Mastodon's: not for an owner shunning
    someone it involves, nor the retweeted author's own lists; a reply to someone other than
    the author and the list's owner only by the list's `replies_policy`: `followed` if the
    owner follows the replied-to account, `list` if that account is a member too, `none`
    never."""
    lists = [
        lst
        for lst in facts.member_lists
        if lst.account_id not in facts.shunners and lst.account_id != facts.original_author_id
    ]
    replied_to = replies_to_other(tweet)
    if replied_to is None:
        return lists
    return [
        lst
        for lst in lists
        if lst.account_id == replied_to
        or (lst.replies_policy == "followed" and lst.account_id in facts.follows_replied_to)
        or (lst.replies_policy == "list" and lst.id in facts.replied_to_lists)
    ]


def _notices(
    tweet: Tweet, facts: Relationships, new_mentions: Iterable[int] | None
) -> tuple[Notice, ...]:
    """A new tweet notifies the accounts it mentions (a reply mentions the replied-to author),
    the retweeted author (about the original) and the quoted one (about the quote); an edit,
    the accounts it newly mentions and those who retweeted it (`update`). Blocks, mutes and notification policies apply when
    they are delivered (`notifications.deliver`)."""
    author = tweet.account_id
    mentioned = tweet.mention_ids if new_mentions is None else tuple(new_mentions)
    found = [Notice(m, "mention", tweet.id) for m in dict.fromkeys(mentioned) if m != author]
    if new_mentions is not None:
        found += (Notice(r, "update", tweet.id) for r in facts.rebloggers if r != author)
        return tuple(found)
    original = facts.original_author_id
    if original is not None and original != author and tweet.reblog_of_id is not None:
        found.append(Notice(original, "reblog", tweet.reblog_of_id))
    quoted = facts.quoted_author_id
    if quoted is not None and quoted != author:
        found.append(Notice(quoted, "quote", tweet.id))
    return tuple(found)


# -- the reads ------------------------------------------------------------------------------


@dataclass(slots=True)
class Reads:
    """The store reads the rule needs, replaceable by a batch's copies (`dispatch.Batch`: one
    author's burst of tweets reads its followers, shunners and standing once)."""

    follower_ids: FollowerIds
    tag_followers: TagFollowers
    member_lists: MemberLists
    followers_with_options: FollowersWithOptions
    # An account (None if gone), those blocking or muting it (mutes in force), whether it is
    # silenced.
    account: Callable[[int], Awaitable[Account | None]]
    shunners: Callable[[int], Awaitable[set[int]]]
    silenced: Callable[[int], Awaitable[bool]]

    @classmethod
    def of(cls, ctx: Context) -> Reads:
        async def shunners(account_id: int) -> set[int]:
            return await ctx.store.get_shunners(account_id, None, ctx.now())

        return cls(
            ctx.store.follower_ids,
            ctx.store.tag_followers,
            ctx.store.member_lists,
            ctx.store.followers_with_options,
            ctx.store.get_account,
            shunners,
            lambda account_id: silenced(ctx, account_id),
        )


async def load_relationships(
    ctx: Context,
    tweet: Tweet,
    *,
    original_author_id: int | None = None,
    reads: Reads | None = None,
    edited: bool = False,
) -> Relationships:
    """Read what `audience_of` needs about `tweet` (a constant number of reads).
    `original_author_id`: a retweet's original author, if known (a deleted retweet's original
    is gone with it); else read from the original. `edited`: its retweeters too."""
    reads = reads or Reads.of(ctx)
    author = tweet.account_id
    now = ctx.now()
    quoted = await ctx.store.get_status(tweet.quote_of_id) if tweet.quote_of_id else None
    quoted_author = quoted.account_id if quoted is not None else None
    rebloggers: tuple[int, ...] = ()
    if edited:
        found = await ctx.store.list_reblogged_by(tweet.id, Page(limit=REBLOGGERS_NOTIFIED))
        rebloggers = tuple(account_id for _, account_id in found)
    if tweet.visibility == "direct":
        mentioned = [m for m in tweet.mention_ids if m != author]
        shunning = await ctx.store.get_shunners(author, mentioned, now) if mentioned else set()
        return Relationships(
            shunners=frozenset(shunning), quoted_author_id=quoted_author, rebloggers=rebloggers
        )
    account = await reads.account(author)
    if account is None:
        return Relationships(author_exists=False)
    if tweet.reblog_of_id is not None and original_author_id is None:
        original = await ctx.store.get_status(tweet.reblog_of_id)
        original_author_id = original.account_id if original is not None else None
        if original is None:
            return Relationships(author_exists=True)
    followers = await reads.follower_ids(author)
    replied_to = replies_to_other(tweet)
    involved = dict.fromkeys(a for a in (author, original_author_id, replied_to) if a is not None)
    shunners: set[int] = set()
    for account_id in involved:
        shunners |= await reads.shunners(account_id)
    member_of = (await reads.member_lists([author])).get(author, [])
    follows_replied_to: set[int] = set()
    replied_to_lists: set[int] = set()
    if replied_to is not None:
        asking = {*followers, *(lst.account_id for lst in member_of)} - {replied_to}
        follows_replied_to = await ctx.store.following_among(replied_to, asking)
        if any(lst.replies_policy == "list" for lst in member_of):
            holding = (await reads.member_lists([replied_to])).get(replied_to, [])
            replied_to_lists = {lst.id for lst in holding}
    chosen = await reads.followers_with_options(author)
    is_silenced = await reads.silenced(author)
    tagged: list[int] = []
    if tweet.tags and reaches_the_public(tweet, silenced=is_silenced):
        by_tag = await reads.tag_followers(list(tweet.tags))
        tagged = list(dict.fromkeys(a for ids in by_tag.values() for a in ids))
    return Relationships(
        original_author_id=original_author_id,
        quoted_author_id=quoted_author,
        followers=tuple(followers),
        hiding_reblogs=frozenset(f.account_id for f in chosen if not f.show_reblogs),
        notified=frozenset(f.account_id for f in chosen if f.notify),
        languages={f.account_id: frozenset(f.languages) for f in chosen if f.languages},
        follows_replied_to=frozenset(follows_replied_to),
        shunners=frozenset(shunners),
        member_lists=tuple(member_of),
        replied_to_lists=frozenset(replied_to_lists),
        tag_followers=tuple(tagged),
        silenced=is_silenced,
        pulled=account.followers_count >= ctx.settings.fanout_follower_threshold,
        rebloggers=rebloggers,
    )


async def silenced(ctx: Context, author_id: int) -> bool:
    """Whether moderators silenced the account (`visibility.silenced_for` with no viewer)."""
    found = await ctx.store.get_moderations([author_id])
    return author_id in found and found[author_id].silenced_at is not None


async def audience(
    ctx: Context,
    tweet: Tweet,
    *,
    original_author_id: int | None = None,
    new_mentions: Iterable[int] | None = None,
    reads: Reads | None = None,
) -> Audience:
    """`audience_of` the tweet, its relationships read from the store."""
    facts = await load_relationships(
        ctx, tweet, original_author_id=original_author_id, reads=reads,
        edited=new_mentions is not None,
    )  # fmt: skip
    return audience_of(tweet, facts, new_mentions=new_mentions)


async def reaching(ctx: Context, owner_id: int, tweets: Sequence[Status]) -> list[Status]:
    """Those of `tweets` whose home audience holds `owner_id` (a new follower's merge,
    `feeds.merge_after_follow`), by the same rule for that one reader."""
    reader = Reader(ctx, owner_id)
    return await reader.reached_by(tweets)


class Reader:
    """One reader, for the tweets that reach it (`reached_by`): its relations to the accounts
    tweets involve (follows, blocks and mutes, lists holding their authors) are read as tweets
    need them, a constant number of reads per call, and kept for the next call (the rounds of
    a read-time pull, `feeds.read_home`)."""

    def __init__(self, ctx: Context, owner_id: int) -> None:
        self.ctx = ctx
        self.owner_id = owner_id
        self._me = frozenset({owner_id})
        self._known: set[int] = {owner_id}
        self._follows: dict[int, Follow] = {}
        self._shunned: set[int] = set()
        self._lists: dict[int, list[UserList]] = {}
        self._listed: set[int] = set()  # accounts whose lists (of the reader's) are read
        self._facts: dict[tuple[int, int | None, int | None, bool], Relationships] = {}

    async def reached_by(self, tweets: Sequence[Status]) -> list[Status]:
        if not tweets:
            return []
        store = self.ctx.store
        originals = await store.get_statuses(t.reblog_of_id for t in tweets if t.reblog_of_id)
        authors = {t.account_id for t in tweets} - self._listed
        involved = {t.account_id for t in tweets} | {o.account_id for o in originals.values()}
        involved |= {r for t in tweets if (r := replies_to_other(t)) is not None}
        involved -= self._known
        if involved:
            relations = await store.get_relationships(self.owner_id, involved)
            self._follows.update((a, r.following) for a, r in relations.items() if r.following)
            shunning = await store.get_shunning(self.owner_id, involved, self.ctx.now())
            self._shunned |= shunning.blocking | shunning.muting
            self._known |= involved
        if authors:  # an account met before as a replied-to or retweeted one may author now
            self._lists.update(await store.lists_with_members(self.owner_id, authors))
            self._listed |= authors
        kept = []
        for tweet in tweets:
            original = originals.get(tweet.reblog_of_id or 0)
            facts = self._facts_for(tweet, original.account_id if original else None)
            if self.owner_id in audience_of(tweet, facts).feed_ids:
                kept.append(tweet)
        return kept

    def _facts_for(self, tweet: Status, original_author: int | None) -> Relationships:
        """The rule's facts about this one reader (the same for all of an author's plain
        tweets: made once)."""
        author, replied_to = tweet.account_id, replies_to_other(tweet)
        direct = tweet.visibility == "direct"
        key = (author, original_author, replied_to, direct)
        facts = self._facts.get(key)
        if facts is None:
            me, none = self._me, frozenset[int]()
            # Whom a reader shunning keeps it from them (a direct tweet: its author alone).
            involved = (author,) if direct else (author, original_author, replied_to)
            following = self._follows.get(author)
            facts = self._facts[key] = Relationships(
                original_author_id=original_author,
                followers=(self.owner_id,) if following is not None else (),
                hiding_reblogs=me if following is not None and not following.show_reblogs else none,
                languages=(
                    {self.owner_id: frozenset(following.languages)}
                    if following is not None and following.languages
                    else {}
                ),
                follows_replied_to=me if replied_to in self._follows else none,
                shunners=me if any(a in self._shunned for a in involved) else none,
                member_lists=tuple(self._lists.get(author, ())),
            )
        return facts
