"""Backpressure on writes that make fan-out work: new tweets and retweets wait while the outbox
holds more due events than `outbox_backlog_limit`.

Every tweet costs a fan-out (a feed row per follower) after it is accepted. Accepting tweets
faster than the fan-out writes them only grows the outbox: feeds fall minutes behind, and on a
node where both share the CPU, the posts take the CPU the fan-out needs (posting benchmark, one
worker: 857 tweets/s accepted but 372/s sustained, fan-out included, without a limit; 511-557
accepted and 473-520 sustained with 600). So the outbox is a bounded queue: a tweet waits for
room, a second at most (a stuck dispatcher must not stop posting), and the feeds stay about a
second behind the posts. The price is the posts' tail latency under overload (p99 ~300-500 ms
in that benchmark, against ~50-300 ms). The count is the store's, so every node of a
deployment sees the same backlog.
"""

from __future__ import annotations

import asyncio
import time

from chirp.core.context import Context

# How often a node reads the outbox's size while tweets wait (one indexed count), and the
# longest a tweet waits for room.
POLL_SECONDS = 0.02
MAX_WAIT_SECONDS = 1.0


class OutboxGate:
    """The room in the outbox, read at most every POLL_SECONDS however many tweets ask."""

    def __init__(
        self, limit: int, *, poll: float = POLL_SECONDS, max_wait: float = MAX_WAIT_SECONDS
    ):
        self.limit = limit
        self.poll = poll
        self.max_wait = max_wait
        self._due = 0
        self._read_at = -float("inf")

    async def wait_for_room(self, ctx: Context) -> None:
        if self.limit <= 0:
            return
        deadline = time.monotonic() + self.max_wait
        while True:
            now = time.monotonic()
            if now - self._read_at >= self.poll:
                self._read_at = now  # before the read: the tweets waiting meanwhile do not read too
                self._due = await ctx.store.count_due_events(ctx.now())
            if self._due < self.limit or now >= deadline:
                return
            await asyncio.sleep(self.poll / 2)
