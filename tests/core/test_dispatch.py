"""The outbox Dispatcher on a real in-memory SQLite store, with events from domain use cases.

The clock is the only thing faked: a Context whose `now()` can be moved forward, so backoffs
and leases expire without sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from chirp.core import engagement, follows, statuses
from chirp.core.accounts import SignUp, register_account
from chirp.core.context import Context
from chirp.core.dispatch import Batch, BatchDone, Dispatcher, Step
from chirp.core.events import DomainEvent, FollowCreated, StatusCreated, decode
from chirp.core.ids import SnowflakeGenerator
from chirp.core.models import Account, Event, Page
from chirp.core.secrets import Passwords
from chirp.core.side_effects import default_after_batch, default_steps
from chirp.storage import Store, open_store
from tests.helpers import PASSWORD, make_settings
from tests.storage.factories import make_app


@dataclass
class ClockedContext(Context):
    """A Context whose clock tests can move forward."""

    skew: timedelta = timedelta(0)

    def now(self) -> datetime:  # type: ignore[override]
        return datetime.now(UTC) + self.skew

    def advance(self, **delta: float) -> None:
        self.skew += timedelta(**delta)


def context(store: Store, node: int = 1) -> ClockedContext:
    return ClockedContext(
        make_settings(),
        store,
        SnowflakeGenerator(node),
        Passwords(time_cost=1, memory_kib=8, parallelism=1),
    )


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    store = await open_store("sqlite://:memory:")
    yield store
    await store.close()


@pytest.fixture
def ctx(store: Store) -> ClockedContext:
    return context(store)


async def register(ctx: Context, username: str) -> Account:
    app = await make_app(ctx.store)
    form = SignUp(username, f"{username}@example.com", PASSWORD, agreement=True)
    return await register_account(ctx, app, form)


async def pending(ctx: Context) -> list[Event]:
    """Everything still in the outbox, due or not (peeks with a far-future clock; the lease it
    takes is released again)."""
    far = ctx.now() + timedelta(days=30)
    events = await ctx.store.claim_events(limit=10_000, now=far, lease_seconds=0)
    for event in events:
        await ctx.store.retry_event(event.id, available_at=ctx.now() - timedelta(days=1))
    return events


async def notifications_of(ctx: Context, account: Account) -> list[tuple[str, int]]:
    found = await ctx.store.list_notifications(account.id, Page(limit=100))
    return sorted((n.type, n.from_account_id) for n in found)


async def home_feed(ctx: Context, account: Account) -> list[int]:
    return await ctx.store.home_timeline(account.id, Page(limit=100))


def recorder(seen: list[DomainEvent]) -> Step:
    async def step(_: Context, event: DomainEvent, __: Batch) -> None:
        seen.append(event)

    return step


def real_steps(extra: dict[str, list[Step]] | None = None) -> dict[str, list[Step]]:
    steps = default_steps()
    for kind, more in (extra or {}).items():
        steps[kind] = [*steps.get(kind, []), *more]
    return steps


# --- Real side effects ---------------------------------------------------------------------------


async def test_drain_runs_the_side_effects_of_domain_events(ctx: ClockedContext) -> None:
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    await follows.follow(ctx, bob, alice.id)
    tweet = await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text="hi @bob"))
    await engagement.like_tweet(ctx, bob, tweet.id)
    assert [e.kind for e in await pending(ctx)] == [
        "follow.created",
        "status.created",
        "favourite.created",
    ]

    await Dispatcher(ctx, default_steps(), after_batch=default_after_batch()).drain()

    assert await pending(ctx) == []
    assert await home_feed(ctx, bob) == [tweet.id]
    assert await notifications_of(ctx, alice) == sorted([("follow", bob.id), ("favourite", bob.id)])
    assert await notifications_of(ctx, bob) == [("mention", alice.id)]


async def test_an_unfollow_whose_feed_cleanup_failed_is_cleaned_by_its_event_mocked_failure(
    ctx: ClockedContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    await follows.follow(ctx, bob, alice.id)
    tweet = await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text="hi"))
    dispatcher = Dispatcher(ctx, default_steps(), after_batch=default_after_batch())
    await dispatcher.drain()
    assert await home_feed(ctx, bob) == [tweet.id]
    # The feeds' file fails the cleanup that follows the unfollow's commit (a full disk, say):
    # the unfollow stands, and its event takes the tweets out.
    cleanup = ctx.store.remove_unfollowed_from_feed

    async def failing(owner_id: int, author_id: int) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(ctx.store, "remove_unfollowed_from_feed", failing)
    await follows.unfollow(ctx, bob, alice.id)
    assert await home_feed(ctx, bob) == [tweet.id]
    monkeypatch.setattr(ctx.store, "remove_unfollowed_from_feed", cleanup)
    await dispatcher.drain()
    assert await home_feed(ctx, bob) == []
    assert await pending(ctx) == []


async def test_a_step_that_fails_once_is_retried_after_its_backoff(ctx: ClockedContext) -> None:
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    await follows.follow(ctx, bob, alice.id)
    failures = ["network blip"]

    async def flaky(_: Context, event: Event, __: Batch) -> None:
        if failures:
            raise ConnectionError(failures.pop())

    steps = real_steps({"follow.created": [flaky]})
    dispatcher = Dispatcher(ctx, steps, after_batch=default_after_batch())
    await dispatcher.drain()
    # Not dropped: still in the outbox, but not due until the backoff passes.
    (waiting,) = await pending(ctx)
    assert waiting.kind == "follow.created"
    await ctx.store.retry_event(waiting.id, available_at=ctx.now() + timedelta(seconds=2))
    assert await dispatcher.run_once() == 0

    ctx.advance(seconds=5)
    await dispatcher.drain()
    assert await pending(ctx) == []
    # The step before the flaky one ran twice; the notification exists once.
    assert await notifications_of(ctx, alice) == [("follow", bob.id)]


async def test_backoff_grows_with_each_attempt(ctx: ClockedContext) -> None:
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    await follows.follow(ctx, bob, alice.id)

    async def broken(_: Context, __: Event, ___: Batch) -> None:
        raise RuntimeError("always")

    dispatcher = Dispatcher(ctx, {"follow.created": [broken]})
    assert await dispatcher.run_once() == 1  # the first attempt fails
    waits = []
    for _ in range(4):
        waited = 0
        while await dispatcher.run_once() == 0:  # find when it is due again (and fails again)
            ctx.advance(seconds=1)
            waited += 1
            assert waited < 1000
        waits.append(waited)
    # Exponential: about 2, 4, 8, 16 seconds.
    assert all(b >= 1.5 * a for a, b in itertools.pairwise(waits)), waits
    assert 1 <= waits[0] <= 3, waits
    assert [e.kind for e in await pending(ctx)] == ["follow.created"]  # never dropped


async def test_a_failed_event_does_not_block_the_others(ctx: ClockedContext) -> None:
    alice, bob, carol = [await register(ctx, n) for n in ("alice", "bob", "carol")]
    await follows.follow(ctx, bob, alice.id)
    await follows.follow(ctx, carol, alice.id)

    async def refuse_bob(_: Context, event: FollowCreated, __: Batch) -> None:
        if event.account_id == bob.id:
            raise RuntimeError("bob's event breaks")

    await Dispatcher(ctx, real_steps({"follow.created": [refuse_bob]})).drain()
    assert [e.payload["account_id"] for e in await pending(ctx)] == [bob.id]
    assert ("follow", carol.id) in await notifications_of(ctx, alice)


# --- Idempotency ---------------------------------------------------------------------------------


async def test_steps_run_twice_leave_one_result(ctx: ClockedContext) -> None:
    """A batch hook that fails after the steps ran makes the whole event run again; the real
    steps (fan-out, notifications, merge after follow) are idempotent."""
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    early = await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text="before the follow"))
    await follows.follow(ctx, bob, alice.id)
    tweet = await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text="hello @bob"))
    await engagement.like_tweet(ctx, bob, tweet.id)
    crashes = [1]

    async def crash_once(_: Context, batch: Batch) -> None:
        if crashes:
            crashes.pop()
            raise RuntimeError("crashed after the steps ran")

    hooks: list[BatchDone] = [*default_after_batch(), crash_once]
    dispatcher = Dispatcher(ctx, default_steps(), after_batch=hooks)
    await dispatcher.drain()
    # Every event was handled at least once, and the ones whose batch crashed were redone.
    ctx.advance(hours=2)
    await dispatcher.drain()
    assert await pending(ctx) == []

    # Run every event's steps yet again, as a node that lost its lease would.
    handled: list[Event] = []
    for kind, payload in [
        ("follow.created", {"account_id": bob.id, "target_account_id": alice.id}),
        ("status.created", {"status_id": tweet.id}),
        ("favourite.created", {"account_id": bob.id, "status_id": tweet.id, "author_id": alice.id}),
    ]:
        handled.append(Event(ctx.new_id(), kind, payload))
    for event in handled:
        batch = Batch()
        for step in default_steps()[event.kind]:
            await step(ctx, decode(event), batch)
        for done in default_after_batch():
            await done(ctx, batch)

    assert await home_feed(ctx, bob) == [tweet.id, early.id]
    assert await notifications_of(ctx, alice) == sorted([("follow", bob.id), ("favourite", bob.id)])
    assert await notifications_of(ctx, bob) == [("mention", alice.id)]


async def test_completed_events_are_not_handled_again(ctx: ClockedContext) -> None:
    alice = await register(ctx, "alice")
    await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text="once"))
    seen: list[DomainEvent] = []
    dispatcher = Dispatcher(ctx, real_steps({"status.created": [recorder(seen)]}))
    await dispatcher.drain()
    ctx.advance(days=2)  # long after any lease or backoff
    await dispatcher.drain()
    await Dispatcher(context(ctx.store, node=2), {"status.created": [recorder(seen)]}).drain()
    assert len(seen) == 1


# --- Order and draining --------------------------------------------------------------------------


async def test_events_are_handled_in_the_order_they_were_recorded(ctx: ClockedContext) -> None:
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    recorded = []
    for n in range(5):
        tweet = await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text=f"tweet {n}"))
        recorded.append(("status.created", tweet.id))
        if n == 2:
            await follows.follow(ctx, bob, alice.id)
            recorded.append(("follow.created", None))
            await engagement.like_tweet(ctx, bob, tweet.id)
            recorded.append(("favourite.created", tweet.id))
    seen: list[DomainEvent] = []
    extra = {k: [recorder(seen)] for k in ("status.created", "follow.created", "favourite.created")}
    await Dispatcher(ctx, real_steps(extra), batch_size=3).drain()
    assert [(e.KIND, getattr(e, "status_id", None)) for e in seen] == recorded


async def test_drain_takes_everything_in_several_batches(ctx: ClockedContext) -> None:
    authors = [await register(ctx, f"user{n}") for n in range(3)]
    for n in range(25):
        await statuses.post_tweet(ctx, authors[n % 3], statuses.TweetDraft(text=f"#n{n}"))
    seen: list[DomainEvent] = []
    batches: list[int] = []

    async def count(_: Context, batch: Batch) -> None:
        batches.append(len(batch.fan_outs))

    dispatcher = Dispatcher(
        ctx,
        real_steps({"status.created": [recorder(seen)]}),
        after_batch=[count, *default_after_batch()],
        batch_size=4,
    )
    await dispatcher.drain()
    assert len(seen) == 25 and len({getattr(e, "status_id", None) for e in seen}) == 25
    assert len(batches) == 7 and max(batches) <= 4
    assert await pending(ctx) == []
    assert await dispatcher.run_once() == 0


async def test_steps_share_the_batch_and_after_batch_hooks_run_once(ctx: ClockedContext) -> None:
    authors = [await register(ctx, f"user{n}") for n in range(3)]
    for author in authors:
        await statuses.post_tweet(ctx, author, statuses.TweetDraft(text="hi"))
    batches: list[list[int]] = []

    async def note(_: Context, event: StatusCreated, batch: Batch) -> None:
        batch.pushes.append(event)

    async def done(_: Context, batch: Batch) -> None:
        batches.append([e.status_id for e in batch.pushes if isinstance(e, StatusCreated)])

    await Dispatcher(ctx, {"status.created": [note]}, after_batch=[done]).drain()
    assert len(batches) == 1 and len(batches[0]) == 3


async def test_a_failing_batch_hook_isolates_the_poisonous_event(ctx: ClockedContext) -> None:
    alice = await register(ctx, "alice")
    tweets = [
        await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text=f"tweet {n}"))
        for n in range(4)
    ]
    poison = tweets[2].id
    finished: list[int] = []

    async def note(_: Context, event: StatusCreated, batch: Batch) -> None:
        batch.pushes.append(event)

    async def flush(_: Context, batch: Batch) -> None:
        created = [e for e in batch.pushes if isinstance(e, StatusCreated)]
        if any(e.status_id == poison for e in created):
            raise RuntimeError("this event breaks whatever batch it is in")
        finished.extend(e.status_id for e in created)

    await Dispatcher(ctx, {"status.created": [note]}, after_batch=[flush]).drain()
    # The others went through alone; the poisonous one waits for its retry.
    assert sorted(finished) == sorted(t.id for t in tweets if t.id != poison)
    left = [e for e in await pending(ctx) if e.kind == "status.created"]
    assert [e.payload.get("status_id") for e in left] == [poison]


async def test_events_of_kinds_without_steps_are_completed(ctx: ClockedContext) -> None:
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    await follows.follow(ctx, bob, alice.id)
    await follows.unfollow(ctx, bob, alice.id)
    await Dispatcher(ctx, {}).drain()
    assert await pending(ctx) == []


# --- Leases --------------------------------------------------------------------------------------


async def test_an_event_in_hand_is_not_claimed_by_another_dispatcher(store: Store) -> None:
    first_ctx, second_ctx = context(store, 1), context(store, 2)
    alice = await register(first_ctx, "alice")
    await statuses.post_tweet(first_ctx, alice, statuses.TweetDraft(text="hi"))
    started, release = asyncio.Event(), asyncio.Event()
    first_seen: list[DomainEvent] = []
    second_seen: list[DomainEvent] = []

    async def slow(_: Context, event: Event, __: Batch) -> None:
        first_seen.append(event)
        started.set()
        await release.wait()

    first = Dispatcher(first_ctx, {"status.created": [slow]}, lease_seconds=60)
    second = Dispatcher(second_ctx, {"status.created": [recorder(second_seen)]}, lease_seconds=60)
    working = asyncio.create_task(first.run_once())
    await started.wait()
    assert await second.run_once() == 0  # leased to the first one
    second_ctx.advance(seconds=30)
    assert await second.run_once() == 0  # lease still running
    release.set()
    assert await working == 1
    second_ctx.advance(seconds=60)
    assert await second.run_once() == 0  # completed: gone for good
    assert len(first_seen) == 1 and second_seen == []


async def test_an_expired_lease_lets_another_dispatcher_take_over(store: Store) -> None:
    crashed_ctx, survivor_ctx = context(store, 1), context(store, 2)
    alice, bob = await register(crashed_ctx, "alice"), await register(crashed_ctx, "bob")
    await follows.follow(crashed_ctx, bob, alice.id)
    # A node claims the event and dies before handling it.
    claimed = await store.claim_events(limit=10, now=crashed_ctx.now(), lease_seconds=60)
    assert [e.kind for e in claimed] == ["follow.created"]

    survivor = Dispatcher(survivor_ctx, default_steps(), lease_seconds=60)
    assert await survivor.run_once() == 0
    survivor_ctx.advance(seconds=61)
    assert await survivor.run_once() == 1
    assert await notifications_of(survivor_ctx, alice) == [("follow", bob.id)]
    assert await pending(survivor_ctx) == []


async def test_concurrent_dispatchers_handle_each_event_once(store: Store) -> None:
    ctxs = [context(store, n) for n in range(1, 4)]
    alice = await register(ctxs[0], "alice")
    for n in range(30):
        await statuses.post_tweet(ctxs[0], alice, statuses.TweetDraft(text=f"{n}"))
    seen: list[DomainEvent] = []

    async def step(_: Context, event: StatusCreated, __: Batch) -> None:
        seen.append(event)
        await asyncio.sleep(0)  # let the other dispatchers interleave

    dispatchers = [Dispatcher(c, {"status.created": [step]}, batch_size=4) for c in ctxs]
    await asyncio.gather(*(d.drain() for d in dispatchers))
    tweets = [e.status_id for e in seen if isinstance(e, StatusCreated)]
    assert sorted(tweets) == sorted(set(tweets))
    assert len(seen) == 30


async def test_the_run_loop_handles_events_when_woken(ctx: ClockedContext) -> None:
    alice = await register(ctx, "alice")
    seen: list[DomainEvent] = []
    arrived = asyncio.Event()

    async def step(_: Context, event: Event, __: Batch) -> None:
        seen.append(event)
        arrived.set()

    dispatcher = Dispatcher(ctx, real_steps({"status.created": [step]}), idle_poll_seconds=3600)
    ctx.wake_dispatcher = dispatcher.wake
    loop = asyncio.create_task(dispatcher.run())
    try:
        await asyncio.sleep(0.05)  # the loop is idle, waiting for a wake-up
        tweet = await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text="wake up"))
        await asyncio.wait_for(arrived.wait(), 10)
    finally:
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop
    assert [e.status_id for e in seen if isinstance(e, StatusCreated)] == [tweet.id]


async def test_home_feeds_are_measured_once_grown_and_stay_near_the_cap(
    ctx: ClockedContext,
) -> None:
    ctx.settings = make_settings(home_feed_cap=40)  # measured every 20 entries added
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    await follows.follow(ctx, bob, alice.id)
    measured: list[set[int]] = []
    trim = ctx.store.trim_home_feeds

    async def counting_trim(owner_ids: Iterable[int], cap: int, slack: int = 0) -> int:
        measured.append(set(owner_ids))
        return await trim(owner_ids, cap, slack)

    ctx.store.trim_home_feeds = counting_trim  # type: ignore[method-assign]
    dispatcher = Dispatcher(ctx, default_steps(), after_batch=default_after_batch())
    await dispatcher.drain()
    lengths = []
    for n in range(60):
        await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text=f"tweet {n}"))
        await dispatcher.drain()
        lengths.append(len(await ctx.store.home_timeline(bob.id, Page(limit=500))))
    assert measured == [{bob.id}] * 3  # every twentieth tweet, only bob's feed
    assert lengths[:40] == list(range(1, 41))
    assert max(lengths) <= 40 + 20 and min(lengths[40:]) >= 40


class RecordedMetrics:
    """A `DispatchMetrics` that remembers what it was told."""

    def __init__(self) -> None:
        self.done: list[tuple[str, float]] = []
        self.failed: list[str] = []
        self.retried: list[tuple[str, int]] = []
        self.batches: list[int] = []

    def event_done(self, kind: str, lag_seconds: float) -> None:
        self.done.append((kind, lag_seconds))

    def step_failed(self, kind: str) -> None:
        self.failed.append(kind)

    def event_retried(self, kind: str, attempt: int) -> None:
        self.retried.append((kind, attempt))

    def batch_done(self, events: int, seconds: float) -> None:
        self.batches.append(events)


async def test_the_dispatcher_reports_lag_failures_and_retries(ctx: ClockedContext) -> None:
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    await follows.follow(ctx, bob, alice.id)
    ctx.advance(seconds=3)  # handled three seconds after the follow was written
    calls = 0

    async def flaky(_: Context, __: Event, ___: Batch) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("once")

    metrics = RecordedMetrics()
    dispatcher = Dispatcher(ctx, real_steps({"follow.created": [flaky]}), metrics=metrics)
    await dispatcher.run_once()
    assert (metrics.failed, metrics.retried, metrics.done) == (
        ["follow.created"],
        [("follow.created", 1)],
        [],
    )
    ctx.advance(seconds=10)
    await dispatcher.drain()
    ((kind, lag),) = metrics.done
    assert kind == "follow.created" and 13 <= lag < 15
    assert metrics.batches == [1, 1]
