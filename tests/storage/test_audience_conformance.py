"""Every backend reaches whom the audience rule says (`chirp.core.audience`), on generated graphs.

For each generated world (follows with their options: retweets hidden, notifications of new
tweets, English only; blocks, mutes, followed hashtags, lists with their reply policies and
exclusivity, a silenced author) and a tweet of each kind, in English, German or no language (public, unlisted,
private, direct, a reply to someone else, a retweet, a self-retweet of a followers-only tweet,
a quote, an edit newly mentioning someone), the relationships a backend reads
(`audience.load_relationships`) give the same `Audience` as the rule applied to the world
itself (the model below reads the world, not a store), and the backend's fan-out writes the
home feeds and list timelines of that audience and no others. The realtime push and the
notifications take the same value, so one test pins all three roads on every backend.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chirp.core import feeds
from chirp.core.audience import Audience, Relationships, audience, audience_of, reaching
from chirp.core.models import (
    Account,
    AccountModeration,
    Follow,
    FollowOptions,
    Page,
    Status,
    UserList,
)
from chirp.storage import Store
from tests.storage.backends import BACKENDS
from tests.storage.factories import ids, make_graph, make_lists, now, post, rule_context

PEOPLE = 5
TAGS = ("cats", "dogs")
KINDS = (
    "public",
    "unlisted",
    "private",
    "direct",
    "reply",
    "private reply",
    "retweet",
    "self-retweet of private",
    "quote",
    "edit",
)
pairs = st.tuples(st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)).filter(
    lambda p: p[0] != p[1]
)


@dataclass(frozen=True)
class Listed:
    owner: int
    members: frozenset[int]
    policy: str
    exclusive: bool


@dataclass(frozen=True)
class World:
    follows: frozenset[tuple[int, int]]
    blocks: frozenset[tuple[int, int]]
    mutes: frozenset[tuple[int, int]]
    tag_follows: frozenset[tuple[int, str]]
    lists: tuple[Listed, ...]
    silenced: bool
    author: int
    other: int  # replied-to, retweeted, quoted or mentioned
    kind: str
    tags: tuple[str, ...]
    # Follow options, on those of `follows` they name: (follower, followed) pairs.
    hiding_reblogs: frozenset[tuple[int, int]] = frozenset()
    notified: frozenset[tuple[int, int]] = frozenset()
    english_only: frozenset[tuple[int, int]] = frozenset()
    language: str | None = None


@st.composite
def worlds(draw: st.DrawFn) -> World:
    author = draw(st.integers(0, PEOPLE - 1))
    lists = draw(
        st.lists(
            st.builds(
                Listed,
                owner=st.integers(0, PEOPLE - 1),
                members=st.frozensets(st.integers(0, PEOPLE - 1), max_size=3),
                policy=st.sampled_from(["followed", "list", "none"]),
                exclusive=st.booleans(),
            ),
            max_size=3,
        )
    )
    return World(
        follows=draw(st.frozensets(pairs, max_size=14)),
        blocks=draw(st.frozensets(pairs, max_size=3)),
        mutes=draw(st.frozensets(pairs, max_size=3)),
        tag_follows=draw(
            st.frozensets(st.tuples(st.integers(0, PEOPLE - 1), st.sampled_from(TAGS)), max_size=4)
        ),
        lists=tuple(lists),
        silenced=draw(st.booleans()),
        author=author,
        other=(author + draw(st.integers(1, PEOPLE - 1))) % PEOPLE,
        kind=draw(st.sampled_from(KINDS)),
        tags=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))),
        hiding_reblogs=draw(st.frozensets(pairs, max_size=6)),
        notified=draw(st.frozensets(pairs, max_size=6)),
        english_only=draw(st.frozensets(pairs, max_size=6)),
        language=draw(st.sampled_from(["en", "de", None])),
    )


def model(
    world: World, people: list[Account], made: list[UserList], status: Status
) -> Relationships:
    """The relationships the rule needs, read from the world rather than from a store."""
    index = {p.id: n for n, p in enumerate(people)}
    a = world.author
    shunning = world.blocks | world.mutes

    def shunners_of(targets: set[int]) -> frozenset[int]:
        return frozenset(people[w].id for w, t in shunning if t in targets)

    if status.visibility == "direct":
        mentioned = {index[m] for m in status.mention_ids}
        return Relationships(
            shunners=frozenset(s for s in shunners_of({a}) if index[s] in mentioned)
        )
    original = None
    if status.reblog_of_id is not None:
        original = world.author if world.kind.startswith("self") else world.other
    replied = (
        world.other if status.in_reply_to_account_id not in (None, status.account_id) else None
    )
    involved = {a} | ({original} if original is not None else set())
    involved |= {replied} if replied is not None else set()
    followers = [f for f, t in world.follows if t == a]
    member_of = [made[n] for n, listed in enumerate(world.lists) if a in listed.members]
    asking = {*followers, *(index[lst.account_id] for lst in member_of)}
    follows_replied = (
        {w for w in asking if (w, replied) in world.follows} if replied is not None else set()
    )
    replied_lists = (
        {made[n].id for n, lst in enumerate(world.lists) if replied in lst.members}
        if replied is not None and any(lst.replies_policy == "list" for lst in member_of)
        else set()
    )
    public = status.visibility == "public" and status.reblog_of_id is None and not world.silenced
    tagged = (
        sorted({people[w].id for w, name in world.tag_follows if name in status.tags})
        if public and status.tags
        else []
    )

    def chosen(pairs: frozenset[tuple[int, int]]) -> list[int]:
        return [people[f].id for f in followers if (f, a) in pairs]

    return Relationships(
        original_author_id=people[original].id if original is not None else None,
        quoted_author_id=people[world.other].id if status.quote_of_id else None,
        followers=tuple(people[f].id for f in followers),
        hiding_reblogs=frozenset(chosen(world.hiding_reblogs)),
        notified=frozenset(chosen(world.notified)),
        languages={f: frozenset({"en"}) for f in chosen(world.english_only)},
        follows_replied_to=frozenset(people[w].id for w in follows_replied),
        shunners=shunners_of(involved),
        member_lists=tuple(member_of),
        replied_to_lists=frozenset(replied_lists),
        tag_followers=tuple(tagged),
        silenced=world.silenced,
    )


async def tweet_of(
    store: Store, world: World, people: list[Account]
) -> tuple[Status, list[int] | None]:
    """The world's tweet, and an edit's newly mentioned accounts (None: a new tweet)."""
    author, other = people[world.author], people[world.other]
    kind, tags, lang = world.kind, world.tags, world.language
    if kind in ("reply", "private reply"):
        parent = await post(store, other, "hi")
        visibility = "private" if kind == "private reply" else "public"
        return await post(
            store, author, "reply", reply_to=parent, visibility=visibility, tags=tags,
            mentions=(other.id,), language=lang,
        ), None  # fmt: skip
    if kind == "retweet":
        return await post(store, author, reblog_of=await post(store, other, "original")), None
    if kind == "self-retweet of private":
        mine = await post(store, author, "mine", visibility="private")
        return await post(store, author, reblog_of=mine, visibility="private"), None
    if kind == "quote":
        quoted = await post(store, other, "quoted")
        return await post(store, author, "look", quote_of=quoted, tags=tags, language=lang), None
    if kind == "direct":
        return await post(
            store, author, "psst", visibility="direct", mentions=(other.id,), language=lang
        ), None  # fmt: skip
    if kind == "edit":
        first = await post(store, author, "before", tags=tags, language=lang)
        edited = replace(first, mention_ids=(other.id,), text="after")
        return edited, [other.id]
    return await post(store, author, kind, visibility=kind, tags=tags, language=lang), None


def unordered(reached: Audience) -> Audience:
    """Backends list followers and lists in no particular order: compared as sets."""
    return replace(
        reached,
        home_ids=tuple(sorted(reached.home_ids)),
        feed_ids=tuple(sorted(reached.feed_ids)),
        list_ids=tuple(sorted(reached.list_ids)),
    )


async def scenario(store: Store, world: World) -> None:
    # Hashtags of this example alone: the store is shared by every example.
    here = f"x{ids.next_id()}"
    world = replace(
        world,
        tag_follows=frozenset((who, name + here) for who, name in world.tag_follows),
        tags=tuple(name + here for name in world.tags),
        # A list holds its owner and accounts the owner follows (`add_list_members`).
        lists=tuple(
            replace(
                listed,
                members=frozenset(
                    m
                    for m in listed.members
                    if m == listed.owner or (listed.owner, m) in world.follows
                ),
            )
            for listed in world.lists
        ),
    )
    ctx = rule_context(store)
    people = await make_graph(
        store, PEOPLE, follows=world.follows, blocks=world.blocks, mutes=world.mutes
    )
    for who, whom in world.follows:
        options = FollowOptions(
            show_reblogs=(who, whom) not in world.hiding_reblogs,
            notify=(who, whom) in world.notified,
            languages=("en",) if (who, whom) in world.english_only else (),
        )
        edge = Follow(ids.next_id(), people[who].id, people[whom].id, now())
        if options.applied(edge):
            assert await store.set_follow_options(edge)
    for who, name in world.tag_follows:
        await store.follow_tag(ids.next_id(), people[who].id, name, now())
    made = await make_lists(store, people, world.lists)
    if world.silenced:
        await store.save_moderation(
            AccountModeration(people[world.author].id, silenced_at=now(), updated_at=now())
        )
    status, new_mentions = await tweet_of(store, world, people)

    found = await audience(ctx, status, new_mentions=new_mentions)
    expected = audience_of(status, model(world, people, made, status), new_mentions=new_mentions)
    assert unordered(found) == unordered(expected)

    if new_mentions is not None:
        return  # an edit writes no feed: it goes where the tweet went
    # A new follower's merge (`audience.reaching`) is the same rule for one reader (hashtags
    # aside: following a tag is no follow of the author).
    if not status.tags:
        for person in people:
            if person.id != status.account_id:
                kept = await reaching(ctx, person.id, [status])
                assert (kept == [status]) == (person.id in expected.feed_ids), person
    # Were the author too big to fan out, its followers would pull its tweets at read time
    # (`feeds.read_home`): each reader then finds in its home timeline what the fan-out would
    # have written there (the fan-out writes only the hashtags' followers, and direct tweets).
    pulling = replace(
        ctx, settings=ctx.settings.model_copy(update={"fanout_follower_threshold": 1})
    )
    plan = await feeds.plan_fan_out(pulling, status, people[world.author])
    assert plan is not None
    await feeds.fan_out_statuses(pulling, [plan])
    for person in people:
        home = await feeds.read_home(pulling, person.id, Page(limit=20))
        mine = person.id == status.account_id
        assert (status.id in home) == (mine or person.id in expected.feed_ids), person

    plan = await feeds.plan_fan_out(ctx, status, people[world.author])
    assert plan is not None
    await feeds.fan_out_statuses(ctx, [plan])
    for person in people:
        home = await store.home_timeline(person.id, Page(limit=20))
        mine = person.id == status.account_id  # one's own tweets are read from the tweets
        assert (status.id in home) == (mine or person.id in expected.feed_ids), person
    for user_list in made:
        shown = await store.list_timeline(user_list.id, Page(limit=20))
        assert (status.id in shown) == (user_list.id in expected.list_ids)


@pytest.mark.parametrize("backend", ["sqlite-memory", "mongodb-standin", "postgresql"])
def test_every_backend_reaches_whom_the_audience_rule_says(backend: str) -> None:
    """One store per backend (a PostgreSQL database per example would be slow): each example
    makes its own accounts, so examples do not see each other."""
    loop = asyncio.new_event_loop()
    stack = AsyncExitStack()
    store: Store = loop.run_until_complete(
        stack.enter_async_context(BACKENDS[backend](Path("/nonexistent")))
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(world=worlds())
    def check(world: World) -> None:
        loop.run_until_complete(scenario(store, world))

    try:
        check()
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
