"""The outbox dispatcher: runs the side effects of each recorded domain event.

Writes record their event in the same transaction (see `Store.create_status` and friends), so
nothing is lost if the process dies between the write and its side effects: the next dispatcher
to run (on any node) leases the event and handles it. Steps are idempotent, so a retried event is
harmless; a failing step is logged and retried with backoff, never dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from chirp.core.context import Context
from chirp.core.models import Event, Notification

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Batch:
    """State shared by the steps of one batch (so work like feed trimming is done once)."""

    touched_feeds: set[int] = field(default_factory=set)
    # Home feeds each new status reached, and notifications created, for the realtime push.
    delivered: dict[int, list[int]] = field(default_factory=dict)
    notifications: list[Notification] = field(default_factory=list)


Step = Callable[[Context, Event, Batch], Awaitable[None]]
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
    ) -> None:
        self.ctx = ctx
        self.steps = steps
        self.after_batch = after_batch or []
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.idle_poll_seconds = idle_poll_seconds
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
            limit=self.batch_size, now=self.ctx.now(), lease_seconds=self.lease_seconds
        )
        if not events:
            return 0
        batch = Batch()
        for event in events:
            await self._handle(event, batch)
        for done in self.after_batch:
            try:
                await done(self.ctx, batch)
            except Exception:
                log.exception("after-batch step failed")
        return len(events)

    async def _handle(self, event: Event, batch: Batch) -> None:
        try:
            for step in self.steps.get(event.kind, []):
                await step(self.ctx, event, batch)
        except Exception:
            delay = min(2 ** min(event.attempts, 12), 3600)
            log.exception(
                "event step failed; will retry",
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
            return
        await self.ctx.store.complete_event(event.id)

    async def run(self) -> None:
        """Forever: handle what is due, then sleep until woken (or the poll interval passes,
        which also picks up events other nodes recorded or leases that expired)."""
        while True:
            try:
                while await self.run_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatcher loop error")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.idle_poll_seconds)

    async def drain(self) -> None:
        """Handle every due event now (tests and graceful shutdown)."""
        while await self.run_once():
            pass
