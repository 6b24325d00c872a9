"""The outbox dispatcher: at-least-once side effects, retried with backoff, never dropped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from chirp.core.context import Context
from chirp.core.dispatch import Batch, Dispatcher
from chirp.core.ids import SnowflakeGenerator
from chirp.core.models import Event, Follow
from chirp.core.secrets import Passwords
from chirp.storage import Store, open_store
from tests.helpers import make_settings
from tests.storage.factories import ids, make_account, now


@pytest.fixture
async def ctx() -> AsyncIterator[Context]:
    store = await open_store("sqlite://:memory:")
    yield Context(
        make_settings(),
        store,
        SnowflakeGenerator(1),
        Passwords(time_cost=1, memory_kib=8, parallelism=1),
    )
    await store.close()


async def record_follows(store: Store, count: int) -> list[int]:
    """Writes that record `follow.created` events, as the domain does; returns event ids."""
    target = await make_account(store)
    recorded = []
    for _ in range(count):
        follower = await make_account(store)
        event = Event(ids.next_id(), "follow.created", {"account_id": follower.id})
        assert await store.add_follow(
            Follow(ids.next_id(), follower.id, target.id, now()), event=event
        )
        recorded.append(event.id)
    return recorded


async def test_events_are_handled_in_order_and_once(ctx: Context) -> None:
    recorded = await record_follows(ctx.store, 5)
    seen: list[int] = []

    async def step(_: Context, event: Event, __: Batch) -> None:
        seen.append(event.id)

    dispatcher = Dispatcher(ctx, {"follow.created": [step]})
    await dispatcher.drain()
    assert seen == recorded
    await dispatcher.drain()
    assert seen == recorded  # completed events are not handled again


async def test_a_failing_step_is_retried_later_not_dropped(ctx: Context) -> None:
    (recorded,) = await record_follows(ctx.store, 1)
    attempts: list[int] = []

    async def flaky(_: Context, event: Event, __: Batch) -> None:
        attempts.append(event.id)
        if len(attempts) == 1:
            raise RuntimeError("the first try fails")

    dispatcher = Dispatcher(ctx, {"follow.created": [flaky]})
    await dispatcher.drain()
    assert attempts == [recorded]
    # Backed off: not due yet.
    assert await ctx.store.claim_events(limit=10, now=ctx.now(), lease_seconds=60) == []
    # Once the backoff has passed, it is handled again and succeeds.
    later = await ctx.store.claim_events(
        limit=10, now=ctx.now() + timedelta(hours=2), lease_seconds=0
    )
    assert [e.id for e in later] == [recorded]
    await ctx.store.retry_event(recorded, available_at=ctx.now())  # as if the backoff passed
    await dispatcher.drain()
    assert attempts == [recorded, recorded]
    assert (
        await ctx.store.claim_events(limit=10, now=ctx.now() + timedelta(days=1), lease_seconds=60)
        == []
    )


async def test_a_leased_event_is_not_handed_to_another_dispatcher(ctx: Context) -> None:
    (recorded,) = await record_follows(ctx.store, 1)
    first = await ctx.store.claim_events(limit=10, now=ctx.now(), lease_seconds=60)
    assert [e.id for e in first] == [recorded]
    assert await ctx.store.claim_events(limit=10, now=ctx.now(), lease_seconds=60) == []
    # A node that died holding the lease: once it expires, another node takes the event.
    expired = await ctx.store.claim_events(
        limit=10, now=ctx.now() + timedelta(seconds=61), lease_seconds=60
    )
    assert [e.id for e in expired] == [recorded]
    assert expired[0].attempts > first[0].attempts


async def test_steps_share_the_batch_and_after_batch_runs_once(ctx: Context) -> None:
    await record_follows(ctx.store, 3)
    batches: list[set[int]] = []

    async def touch(_: Context, event: Event, batch: Batch) -> None:
        batch.touched_feeds.add(int(event.payload["account_id"]))  # type: ignore[arg-type]

    async def done(_: Context, batch: Batch) -> None:
        batches.append(set(batch.touched_feeds))

    dispatcher = Dispatcher(ctx, {"follow.created": [touch]}, after_batch=[done])
    await dispatcher.drain()
    assert len(batches) == 1 and len(batches[0]) == 3


async def test_a_run_once_larger_than_the_batch_size_drains_in_several_batches(
    ctx: Context,
) -> None:
    await record_follows(ctx.store, 7)
    handled: list[int] = []

    async def step(_: Context, event: Event, __: Batch) -> None:
        handled.append(event.id)

    dispatcher = Dispatcher(ctx, {"follow.created": [step]}, batch_size=3)
    assert await dispatcher.run_once() == 3
    await dispatcher.drain()
    assert len(handled) == 7


async def test_a_failing_batch_hook_isolates_the_poisonous_event(ctx: Context) -> None:
    recorded = await record_follows(ctx.store, 4)
    poison = recorded[2]
    finished: list[int] = []

    async def note(_: Context, event: Event, batch: Batch) -> None:
        batch.pushes.append(event)

    async def flush(_: Context, batch: Batch) -> None:
        if any(e.id == poison for e in batch.pushes):
            raise RuntimeError("this event breaks whatever batch it is in")
        finished.extend(e.id for e in batch.pushes)

    dispatcher = Dispatcher(ctx, {"follow.created": [note]}, after_batch=[flush])
    await dispatcher.drain()
    # The others went through alone; the poisonous one waits for its retry.
    assert sorted(finished) == sorted(set(recorded) - {poison})
    due = await ctx.store.claim_events(
        limit=10, now=ctx.now() + timedelta(hours=2), lease_seconds=60
    )
    assert [e.id for e in due] == [poison]
