"""The outbox dispatcher: runs the side effects of each recorded domain event.

Writes record their event in the same transaction (see `Store.create_status` and friends), so
nothing is lost if the process dies between the write and its side effects: the next dispatcher
to run (on any node) leases the event and handles it. Steps are idempotent, so a retried event is
harmless; a failing step is logged and retried with backoff, never dropped.

Work is batched: per-event steps may defer their heavy part to the batch (`Batch.fan_outs`), and
the `after_batch` hooks then do it for every event at once (one transaction for all the home
feeds a batch of tweets reaches: each feed page is written once per batch, not once per tweet).
Events are completed only after the hooks succeed; if a hook fails, the batch's events are
redone one at a time, so a poisonous event is retried alone and cannot hold the others back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from chirp.core.audience import Audience, Reads
from chirp.core.audience import silenced as audience_silenced
from chirp.core.context import Context
from chirp.core.events import DomainEvent, WebPushDue, decode
from chirp.core.ids import id_time
from chirp.core.models import Account, Conversation, Event, Follow, Notification, Status, UserList
from chirp.core.observing import DispatchMetrics, DispatchTracer
from chirp.core.ports.timelines import FanOut
from chirp.core.text import tag_key

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Batch:
    """State shared by the steps of one batch (so work like feed trimming is done once)."""

    # Home feed owner -> entries the batch added to the feed (for the trimming).
    added_to_feeds: dict[int, int] = field(default_factory=dict)
    # Tweets to fan out together when the batch ends.
    fan_outs: list[FanOut] = field(default_factory=list)
    # Who each new or edited tweet of the batch reaches (`core.audience`), by tweet: the
    # fan-out, the notifications and the realtime push all go by it.
    audiences: dict[int, Audience] = field(default_factory=dict)
    # Notifications created and events to push, for the realtime push when the batch ends.
    notifications: list[Notification] = field(default_factory=list)
    pushes: list[DomainEvent] = field(default_factory=list)
    # Direct conversations the batch changed, to push to their readers' `direct` streams.
    conversations: list[Conversation] = field(default_factory=list)
    # `web_push.due` events, sent together (concurrently) when the batch ends.
    web_pushes: list[WebPushDue] = field(default_factory=list)
    # The batch's events, and the tweets and accounts steps read, loaded once for the batch:
    # a read per event and step was a trip through a busy event loop each, and under posting
    # load those trips, not the fan-out, held the dispatcher back.
    events: list[DomainEvent] = field(default_factory=list)
    _statuses: dict[int, Status | None] = field(default_factory=dict)
    _accounts: dict[int, Account | None] = field(default_factory=dict)
    _tag_followers: dict[str, list[int]] = field(default_factory=dict)  # by `tag_key`
    _member_lists: dict[int, list[UserList]] = field(default_factory=dict)
    _followers: dict[int, list[int]] = field(default_factory=dict)
    _options: dict[int, list[Follow]] = field(default_factory=dict)
    _shunners: dict[int, set[int]] = field(default_factory=dict)
    _silenced: dict[int, bool] = field(default_factory=dict)

    def reads(self, ctx: Context) -> Reads:
        """The audience rule's reads, each made once for the batch."""
        return Reads(
            lambda account_id: self.follower_ids(ctx, account_id),
            lambda names: self.tag_followers(ctx, names),
            lambda accounts: self.member_lists(ctx, accounts),
            lambda account_id: self.followers_with_options(ctx, account_id),
            lambda account_id: self.account(ctx, account_id),
            lambda account_id: self.shunners(ctx, account_id),
            lambda account_id: self.silenced(ctx, account_id),
        )

    async def shunners(self, ctx: Context, account_id: int) -> set[int]:
        """Those blocking or muting an account, read once for the batch."""
        if account_id not in self._shunners:
            found = await ctx.store.get_shunners(account_id, None, ctx.now())
            self._shunners[account_id] = found
        return self._shunners[account_id]

    async def silenced(self, ctx: Context, account_id: int) -> bool:
        """Whether an account is silenced, read once for the batch."""
        if account_id not in self._silenced:
            self._silenced[account_id] = await audience_silenced(ctx, account_id)
        return self._silenced[account_id]

    async def follower_ids(self, ctx: Context, account_id: int) -> list[int]:
        """An account's followers, read once for the batch (one author's tweets of a burst)."""
        if account_id not in self._followers:
            self._followers[account_id] = await ctx.store.follower_ids(account_id)
        return self._followers[account_id]

    async def followers_with_options(self, ctx: Context, account_id: int) -> list[Follow]:
        """An account's followers' follows with options, read once for the batch."""
        if account_id not in self._options:
            self._options[account_id] = await ctx.store.followers_with_options(account_id)
        return self._options[account_id]

    async def status(self, ctx: Context, status_id: int) -> Status | None:
        """A tweet, read with those of every other event of the batch."""
        if status_id not in self._statuses:
            wanted = {status_id}
            for event in self.events:
                if isinstance(other := getattr(event, "status_id", None), int):
                    wanted.add(other)
            wanted -= self._statuses.keys()
            found = await ctx.store.get_statuses(wanted)
            self._statuses.update((i, found.get(i)) for i in wanted)
        return self._statuses[status_id]

    async def account(self, ctx: Context, account_id: int) -> Account | None:
        """An account, read with the authors of every tweet the batch read."""
        if account_id not in self._accounts:
            wanted = {account_id} | {s.account_id for s in self._statuses.values() if s}
            wanted -= self._accounts.keys()
            found = await ctx.store.get_accounts(wanted)
            self._accounts.update((i, found.get(i)) for i in wanted)
        return self._accounts[account_id]

    async def tag_followers(self, ctx: Context, names: list[str]) -> dict[str, list[int]]:
        """The followers of hashtags, read with those of every other tweet the batch read."""
        keys = {tag_key(name) for name in names}
        if not keys <= self._tag_followers.keys():
            wanted = keys | {tag_key(t) for s in self._statuses.values() if s for t in s.tags}
            wanted -= self._tag_followers.keys()
            found = await ctx.store.tag_followers(wanted)
            self._tag_followers.update((key, found.get(key, [])) for key in wanted)
        return {key: self._tag_followers[key] for key in keys}

    async def member_lists(self, ctx: Context, account_ids: list[int]) -> dict[int, list[UserList]]:
        """The lists holding accounts, read with those of every author the batch read."""
        if not set(account_ids) <= self._member_lists.keys():
            wanted = set(account_ids) | {s.account_id for s in self._statuses.values() if s}
            wanted -= self._member_lists.keys()
            found = await ctx.store.member_lists(wanted)
            self._member_lists.update((a, found.get(a, [])) for a in wanted)
        return {a: self._member_lists[a] for a in account_ids if self._member_lists[a]}


# The longest pause of the dispatcher loop after errors in a row.
ERROR_BACKOFF_MAX = 5.0

# A side effect of one event: called with the typed event (`chirp.core.events`), whose type
# the registry (`side_effects.default_steps`) keys it by.
Step = Callable[[Context, Any, Batch], Awaitable[None]]
BatchDone = Callable[[Context, Batch], Awaitable[None]]


class Dispatcher:
    def __init__(
        self,
        ctx: Context,
        steps: dict[str, list[Step]],
        *,
        after_batch: list[BatchDone] | None = None,
        batch_size: int = 200,
        lease_seconds: float = 60.0,
        idle_poll_seconds: float = 1.0,
        metrics: DispatchMetrics | None = None,
        tracer: DispatchTracer | None = None,
        owner: str = "",
    ) -> None:
        self.ctx = ctx
        # This node's key (`chirp.server.nodes`): its leases are released when it stops beating.
        self.owner = owner
        self.steps = steps
        self.after_batch = after_batch or []
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.idle_poll_seconds = idle_poll_seconds
        self.metrics = metrics
        self.tracer = tracer
        self._wake = asyncio.Event()
        # One batch at a time per process, so `drain` waits for a batch the loop has in hand.
        self._batch_lock = asyncio.Lock()

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Lease and handle one batch; returns how many events it took."""
        async with self._batch_lock:
            return await self._run_batch()

    async def _run_batch(self) -> int:
        events = await self.ctx.store.claim_events(
            limit=self.batch_size,
            now=self.ctx.now(),
            lease_seconds=self.lease_seconds,
            owner=self.owner,
        )
        if not events:
            return 0
        started = time.perf_counter()
        unfinished = await self._handle_together(events)
        if len(unfinished) > 1:  # isolate whichever event made the batch fail
            unfinished = [e for e in unfinished for e in await self._handle_together([e])]
        for event in unfinished:
            await self._retry(event, "after-batch step failed")
        if self.metrics is not None:
            self.metrics.batch_done(len(events), time.perf_counter() - started)
        return len(events)

    async def _handle_together(self, events: list[Event]) -> list[Event]:
        """Steps per event, then the batch hooks. Returns the events whose steps succeeded but
        whose batch failed (events whose own steps failed are already scheduled for retry)."""
        typed = {event.id: self._decode(event) for event in events}
        batch = Batch(events=[e for e in typed.values() if e is not None])
        handled = [event for event in events if await self._steps(event, typed[event.id], batch)]
        try:
            for done in self.after_batch:
                await done(self.ctx, batch)
        except Exception:
            log.exception("batch failed", extra={"events": len(handled)})
            if self.metrics is not None:
                for event in handled:
                    self.metrics.step_failed(event.kind)
            return handled
        await self.ctx.store.complete_events([event.id for event in handled])
        if self.metrics is not None:
            now = self.ctx.now()
            for event in handled:
                self.metrics.event_done(event.kind, (now - id_time(event.id)).total_seconds())
        return []

    @staticmethod
    def _decode(event: Event) -> DomainEvent | None:
        try:
            return decode(event)
        except Exception:  # a kind or shape this version cannot read: retried, not lost
            log.exception("undecodable event", extra={"event_id": event.id, "kind": event.kind})
            return None

    async def _steps(self, event: Event, typed: DomainEvent | None, batch: Batch) -> bool:
        try:
            if typed is None:
                raise ValueError(f"undecodable event of kind {event.kind!r}")
            with self.tracer.handling(event) if self.tracer else contextlib.nullcontext():
                for step in self.steps.get(event.kind, []):
                    await step(self.ctx, typed, batch)
        except Exception:
            log.exception("event step failed", extra={"event_id": event.id, "kind": event.kind})
            if self.metrics is not None:
                self.metrics.step_failed(event.kind)
            await self._retry(event, "event step failed")
            return False
        return True

    async def _retry(self, event: Event, what: str) -> None:
        delay = min(2 ** min(event.attempts, 12), 3600)
        log.warning(
            f"{what}; will retry",
            extra={
                "event_id": event.id,
                "kind": event.kind,
                "attempt": event.attempts,
                "retry_in_s": delay,
            },
        )
        await self.ctx.store.retry_event(
            event.id, available_at=self.ctx.now() + timedelta(seconds=delay)
        )
        if self.metrics is not None:
            self.metrics.event_retried(event.kind, event.attempts)

    async def run(self) -> None:
        """Forever: handle what is due, then sleep until woken (or the poll interval passes,
        which also picks up events other nodes recorded or leases that expired)."""
        failures = 0
        while True:
            try:
                # Another process may be this store's dispatcher: then this one only waits to
                # take over (it records its events; that one handles them). A look at the
                # outbox's size (one indexed count) comes before a claim, a write.
                while (
                    await self.ctx.store.lead_dispatch()
                    and await self.ctx.store.count_due_events(self.ctx.now())
                    and await self.run_once()
                ):
                    pass
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatcher loop error")
                # The store is likely away: back off, deaf to wake-ups (each new post would
                # otherwise queue another claim behind the requests that wait for the store).
                failures += 1
                await asyncio.sleep(min(0.1 * 2**failures, ERROR_BACKOFF_MAX))
            self._wake.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation
            # that lands as the wake-up does (a stream ending at shutdown wakes us just as the
            # app cancels us), and the dispatcher would then run on and hang the shutdown.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.idle_poll_seconds):
                    await self._wake.wait()

    async def drain(self) -> None:
        """Handle every due event now (tests and graceful shutdown)."""
        while await self.run_once():
            pass
