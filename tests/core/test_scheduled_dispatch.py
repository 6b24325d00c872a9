"""A scheduled post is published exactly once when several nodes' dispatchers share its store
(each node with its own clock and id generator, all racing for the due event), on every
backend; and a poll's end notifies once, whichever node runs it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chirp.core import polls, scheduled_statuses, statuses
from chirp.core.dispatch import Dispatcher
from chirp.core.models import Page
from chirp.core.side_effects import default_after_batch, default_steps
from chirp.storage import Store
from tests.core.test_dispatch import ClockedContext, context, register
from tests.storage.backends import BACKENDS


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with BACKENDS[request.param](tmp_path) as opened:
        yield opened


async def _race(nodes: list[ClockedContext]) -> None:
    """Every node's dispatcher drains at once (the store's own lead rule aside: this is the
    worst case, where each believes it may dispatch)."""
    dispatchers = [Dispatcher(n, default_steps(), after_batch=default_after_batch()) for n in nodes]
    await asyncio.gather(*(d.drain() for d in dispatchers))


async def test_a_scheduled_post_is_published_once_across_nodes(store: Store) -> None:
    nodes = [context(store, node) for node in (1, 2, 3)]
    alice = await register(nodes[0], "alice")
    at = nodes[0].now() + scheduled_statuses.MIN_LEAD * 2
    draft = statuses.TweetDraft(text="on time")
    made = await scheduled_statuses.schedule_tweet(nodes[0], alice, draft, at)
    await _race(nodes)
    assert await store.get_scheduled_status(made.id) is not None  # not due yet
    before = await store.get_account(alice.id)
    assert before is not None and before.statuses_count == 0
    for node in nodes:
        node.advance(minutes=11)
    await _race(nodes)
    await _race(nodes)
    assert await store.get_scheduled_status(made.id) is None
    found = await store.find_idempotent_status(
        alice.id, f"scheduled:{made.id}", nodes[0].now() - scheduled_statuses.MIN_LEAD * 4
    )
    assert found is not None and found.text == "on time"
    author = await store.get_account(alice.id)
    assert author is not None and author.statuses_count == 1  # once


async def test_a_poll_end_notifies_once_across_nodes(store: Store) -> None:
    nodes = [context(store, node) for node in (1, 2)]
    alice, bob = await register(nodes[0], "alice"), await register(nodes[0], "bob")
    poll_draft = polls.PollDraft(options=("yes", "no"), expires_in=polls.MIN_EXPIRATION)
    tweet = await statuses.post_tweet(
        nodes[0], alice, statuses.TweetDraft(text="vote", poll=poll_draft)
    )
    poll = (await store.get_polls_of_statuses([tweet.id]))[tweet.id]
    await polls.vote_in_poll(nodes[1], bob, poll.id, [0])
    await _race(nodes)
    for node in nodes:
        node.advance(seconds=polls.MIN_EXPIRATION + 1)
    await _race(nodes)
    await _race(nodes)
    for account in (alice, bob):
        found = await store.list_notifications(account.id, Page(), types=["poll"])
        assert [(n.type, n.status_id) for n in found] == [("poll", tweet.id)]
