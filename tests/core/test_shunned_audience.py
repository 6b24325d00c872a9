"""The audience rule with blocks and mutes, on generated follow graphs (hypothesis).

For every generated graph of follows, followed hashtags, blocks and mutes, and a tweet of each
kind (plain, a reply to someone else, a retweet), the home feeds the real fan-out writes
(`feeds.plan_fan_out` on each backend) are exactly those of a model of Mastodon's rule: its
author's followers (for a reply to someone else, only those following them too; a retweet
skips the original's author) and its hashtags' followers (public, not a retweet) — but never
an account that blocks or mutes the author, the retweeted author or the replied-to account.
And no home timeline read (`timelines.home_timeline`) shows a tweet from or retweeting an
account its reader blocks, is blocked by or mutes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chirp.core import feeds, timelines
from chirp.core.models import Account, AccountBlock, AccountMute, Page, Status
from chirp.storage import Store
from tests.core.test_dispatch import context
from tests.storage.backends import BACKENDS
from tests.storage.factories import follow, ids, make_account, now, post

PEOPLE = 5
TAGS = ("cats", "dogs")
pairs = st.tuples(st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)).filter(
    lambda p: p[0] != p[1]
)


@dataclass(frozen=True)
class Graph:
    follows: frozenset[tuple[int, int]]
    blocks: frozenset[tuple[int, int]]
    mutes: frozenset[tuple[int, int]]
    expired_mutes: frozenset[tuple[int, int]]
    tag_follows: frozenset[tuple[int, str]]
    author: int
    kind: str  # "plain", "reply", "retweet"
    other: int  # the replied-to or retweeted account
    tags: tuple[str, ...]


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    blocks = draw(st.frozensets(pairs, max_size=4))
    blocked = {frozenset(b) for b in blocks}
    # A block removes follows both ways (`blocks.block_account`): none between those two.
    follows = frozenset(
        f for f in draw(st.frozensets(pairs, max_size=14)) if frozenset(f) not in blocked
    )
    author = draw(st.integers(0, PEOPLE - 1))
    return Graph(
        follows=follows,
        blocks=blocks,
        mutes=draw(st.frozensets(pairs, max_size=4)),
        expired_mutes=draw(st.frozensets(pairs, max_size=2)),
        tag_follows=draw(
            st.frozensets(st.tuples(st.integers(0, PEOPLE - 1), st.sampled_from(TAGS)), max_size=4)
        ),
        author=author,
        kind=draw(st.sampled_from(["plain", "reply", "retweet"])),
        other=(author + draw(st.integers(1, PEOPLE - 1))) % PEOPLE,
        tags=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))),
    )


def shuns(graph: Graph, who: int, whom: int) -> bool:
    return (who, whom) in graph.blocks or (who, whom) in graph.mutes


def expected_audience(graph: Graph) -> set[int]:
    """The model: Mastodon's home fan-out, with blocks and mutes."""
    a, o = graph.author, graph.other
    followers = {f for f, t in graph.follows if t == a}
    if graph.kind == "reply":
        followers = {f for f in followers if f == o or (f, o) in graph.follows}
    if graph.kind == "retweet":
        followers.discard(o)
    tagged = (
        {r for r, name in graph.tag_follows if name in graph.tags}
        if graph.kind != "retweet"
        else set()
    )
    involved = {a} if graph.kind == "plain" else {a, o}
    return {r for r in (followers | tagged) - {a} if not any(shuns(graph, r, x) for x in involved)}


@asynccontextmanager
async def opened(backend: str) -> AsyncIterator[Store]:
    async with BACKENDS[backend](Path("/nonexistent")) as store:
        yield store


async def scenario(backend: str, graph: Graph) -> None:
    async with opened(backend) as store:
        ctx = context(store)
        people: list[Account] = [await make_account(store) for _ in range(PEOPLE)]
        for who, whom in graph.follows:
            await follow(store, people[who], people[whom])
        for who, name in graph.tag_follows:
            await store.follow_tag(ids.next_id(), people[who].id, name, now())
        for who, whom in graph.blocks:
            await store.add_block(
                AccountBlock(ids.next_id(), people[who].id, people[whom].id, now())
            )
        for who, whom in graph.mutes | graph.expired_mutes:
            ended = (who, whom) not in graph.mutes
            await store.save_mute(
                AccountMute(
                    ids.next_id(),
                    people[who].id,
                    people[whom].id,
                    notifications=True,
                    created_at=now() - timedelta(hours=2),
                    expires_at=now() - timedelta(hours=1) if ended else None,
                )
            )
        author, other = people[graph.author], people[graph.other]
        status: Status
        if graph.kind == "retweet":
            original = await post(store, other, "original")
            status = await post(store, author, reblog_of=original)
        elif graph.kind == "reply":
            parent = await post(store, other, "parent")
            status = await post(store, author, "reply", reply_to=parent, tags=graph.tags)
        else:
            status = await post(store, author, "plain", tags=graph.tags)
        plan = await feeds.plan_fan_out(ctx, status, await store.get_account(author.id))
        assert plan is not None
        await feeds.fan_out_statuses(ctx, [plan])
        reached = set()
        for n, person in enumerate(people):
            feed = await store.home_timeline(person.id, Page(limit=20))
            if status.id in feed and n != graph.author:  # own tweets are merged in at read
                reached.add(n)
        assert reached == expected_audience(graph)
        # Reads: nothing from, or retweeting, an account the reader shuns or that blocks them
        # (but the reader's own tweets and retweets).
        for n, person in enumerate(people):
            shown, _ = await timelines.home_timeline(ctx, person, Page(limit=20))
            for s in shown:
                if s.account_id == person.id:
                    continue
                authors = {s.account_id}
                if s.reblog_of_id is not None:
                    original_found = await store.get_status(s.reblog_of_id)
                    assert original_found is not None
                    authors.add(original_found.account_id)
                for x, who in enumerate(people):
                    if who.id in authors and who.id != person.id:
                        assert not shuns(graph, n, x) and (x, n) not in graph.blocks


@pytest.mark.parametrize("backend", ["sqlite-memory", "mongodb-standin"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=graphs())
def test_the_fan_out_keeps_shunned_tweets_out_of_home_feeds(backend: str, graph: Graph) -> None:
    asyncio.run(scenario(backend, graph))
