"""The audience rule for lists, on generated follow graphs and lists (hypothesis).

For every generated set of follows, lists (owner, members it follows or itself, replies
policy, exclusive or not), blocks and mutes, and a tweet of each kind (plain, a reply to
someone, a retweet, a direct tweet), the list timelines and home feeds the real fan-out writes
(`feeds.plan_fan_out` on each backend) are exactly those of a model of Mastodon's rule: a list
holding the author gets the tweet, but never a direct one, nor when its owner blocks or mutes
someone it involves or wrote the retweeted tweet; a reply to someone other than the author and
the owner only by the policy (`followed`: the owner follows them; `list`: they are a member;
`none`: never). An exclusive list's owner gets its members' tweets in no home feed but their own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chirp.core import feeds
from chirp.core.models import Page, Status
from tests.core.test_dispatch import context
from tests.core.test_shunned_audience import opened
from tests.storage.factories import make_graph, make_lists, post

PEOPLE = 4
pairs = st.tuples(st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)).filter(
    lambda p: p[0] != p[1]
)


@dataclass(frozen=True)
class Listed:
    owner: int
    policy: str
    exclusive: bool
    members: frozenset[int]  # among those the owner follows, and the owner


@dataclass(frozen=True)
class World:
    follows: frozenset[tuple[int, int]]
    blocks: frozenset[tuple[int, int]]
    mutes: frozenset[tuple[int, int]]
    lists: tuple[Listed, ...]
    author: int
    kind: str  # "plain", "reply", "retweet", "direct"
    other: int  # the replied-to, retweeted or mentioned account


@st.composite
def worlds(draw: st.DrawFn) -> World:
    follows = draw(st.frozensets(pairs, max_size=10))
    lists = []
    for _ in range(draw(st.integers(0, 4))):
        owner = draw(st.integers(0, PEOPLE - 1))
        allowed = sorted({t for f, t in follows if f == owner} | {owner})
        lists.append(
            Listed(
                owner=owner,
                policy=draw(st.sampled_from(["followed", "list", "none"])),
                exclusive=draw(st.booleans()),
                members=draw(st.frozensets(st.sampled_from(allowed), max_size=3)),
            )
        )
    author = draw(st.integers(0, PEOPLE - 1))
    return World(
        follows=follows,
        blocks=draw(st.frozensets(pairs, max_size=2)),
        mutes=draw(st.frozensets(pairs, max_size=2)),
        lists=tuple(lists),
        author=author,
        kind=draw(st.sampled_from(["plain", "reply", "retweet", "direct"])),
        other=(author + draw(st.integers(1, PEOPLE - 1))) % PEOPLE,
    )


def expected_lists(world: World) -> set[int]:
    """Indexes of the lists the tweet goes into: the model of Mastodon's list rule."""
    a, o = world.author, world.other
    if world.kind == "direct":
        return set()
    involved = {a} if world.kind in ("plain",) else {a, o}
    found = set()
    for n, listed in enumerate(world.lists):
        r = listed.owner
        if a not in listed.members:
            continue
        if any((r, x) in world.blocks or (r, x) in world.mutes for x in involved - {r}):
            continue
        if world.kind == "retweet" and r == o:
            continue
        if world.kind == "reply" and o != r:
            if listed.policy == "none":
                continue
            if listed.policy == "followed" and (r, o) not in world.follows:
                continue
            if listed.policy == "list" and o not in listed.members:
                continue
        found.add(n)
    return found


def kept_from_home(world: World) -> set[int]:
    """Owners of exclusive lists holding the author (never the author itself)."""
    if world.kind == "direct":
        return set()
    return {
        listed.owner
        for listed in world.lists
        if listed.exclusive and world.author in listed.members and listed.owner != world.author
    }


async def scenario(backend: str, world: World) -> None:
    async with opened(backend) as store:
        ctx = context(store)
        people = await make_graph(
            store, PEOPLE, follows=world.follows, blocks=world.blocks, mutes=world.mutes
        )
        made = await make_lists(store, people, world.lists)
        author, other = people[world.author], people[world.other]
        status: Status
        if world.kind == "retweet":
            status = await post(store, author, reblog_of=await post(store, other, "original"))
        elif world.kind == "reply":
            status = await post(store, author, "reply", reply_to=await post(store, other, "hi"))
        elif world.kind == "direct":
            status = await post(store, author, "psst", visibility="direct", mentions=(other.id,))
        else:
            status = await post(store, author, "plain")
        plan = await feeds.plan_fan_out(ctx, status, await store.get_account(author.id))
        assert plan is not None
        await feeds.fan_out_statuses(ctx, [plan])
        reached = {
            n
            for n, user_list in enumerate(made)
            if status.id in await store.list_timeline(user_list.id, Page(limit=20))
        }
        assert reached == expected_lists(world)
        for owner in kept_from_home(world):
            home = await store.home_timeline(people[owner].id, Page(limit=20))
            assert status.id not in home


@pytest.mark.parametrize("backend", ["sqlite-memory", "mongodb-standin"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_the_fan_out_fills_list_timelines_by_mastodons_rule(backend: str, world: World) -> None:
    asyncio.run(scenario(backend, world))
