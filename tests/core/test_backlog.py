"""Backpressure: new tweets wait for room in the outbox, a bounded time at most."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from chirp.core import statuses
from chirp.core.backlog import OutboxGate
from chirp.core.context import Context
from chirp.core.dispatch import Dispatcher
from chirp.core.side_effects import default_after_batch, default_steps
from chirp.storage import Store, open_store
from tests.core.test_dispatch import context, register


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    store = await open_store("sqlite://:memory:")
    yield store
    await store.close()


async def _backlog(ctx: Context, tweets: int) -> None:
    author = await register(ctx, "author")
    for n in range(tweets):
        await statuses.post_tweet(ctx, author, statuses.TweetDraft(text=f"t{n}"))


async def test_a_tweet_waits_while_the_outbox_is_full_and_goes_once_it_drains(
    store: Store,
) -> None:
    ctx = context(store)
    await _backlog(ctx, 4)
    gate = OutboxGate(3, poll=0.01, max_wait=10)
    waiting = asyncio.ensure_future(gate.wait_for_room(ctx))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await Dispatcher(ctx, default_steps(), after_batch=default_after_batch()).drain()
    await asyncio.wait_for(waiting, 2)


async def test_a_tweet_waits_a_bounded_time_when_nothing_drains(store: Store) -> None:
    ctx = context(store)
    await _backlog(ctx, 2)
    gate = OutboxGate(1, poll=0.01, max_wait=0.2)
    started = time.monotonic()
    await gate.wait_for_room(ctx)
    assert 0.2 <= time.monotonic() - started < 2


async def test_posting_goes_through_the_gate(store: Store) -> None:
    ctx = context(store)
    author = await register(ctx, "author")
    dispatcher = Dispatcher(ctx, default_steps(), after_batch=default_after_batch())
    await dispatcher.drain()
    ctx.outbox_gate = OutboxGate(2, poll=0.01, max_wait=10)
    for n in range(2):
        await statuses.post_tweet(ctx, author, statuses.TweetDraft(text=f"t{n}"))
    await asyncio.sleep(0.05)  # the count is read at most every `poll`: a soft limit
    third = asyncio.ensure_future(
        statuses.post_tweet(ctx, author, statuses.TweetDraft(text="third"))
    )
    await asyncio.sleep(0.1)
    assert not third.done()  # two events due: no room
    await dispatcher.drain()
    posted = await asyncio.wait_for(third, 2)
    assert (await store.get_status(posted.id)) is not None


async def test_no_limit_never_waits(store: Store) -> None:
    ctx = context(store)
    await _backlog(ctx, 3)
    await asyncio.wait_for(OutboxGate(0).wait_for_room(ctx), 0.5)
