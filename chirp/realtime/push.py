"""Realtime push: the dispatcher's last steps, after fan-out and notifications.

Who receives a tweet is the audience rule's (`chirp.core.audience`), the one the fan-out and
the notifications go by; the renderer (`chirp.realtime.render`) makes the JSON and the
publisher (`chirp.realtime.publish`) puts it on the bus:

    status.created  -> `update` to its audience's topics (home, list, public and hashtag
                       streams); live counters of the replied-to, retweeted or quoted tweet
    status.updated  -> `status.update` to the same audience (and a direct tweet's `direct`
                       streams)
    status.deleted  -> `delete` to the audience it had (from the event: the tweet is gone), and
                       each retweet deleted with it to the retweet's audience
    conversations   -> `conversation` to its reader's `direct` stream, for each conversation a
                       new, edited or deleted direct tweet changed (`Batch.conversations`)
    favourite.*, poll.voted -> live counters of the tweet
    every batch     -> `notification` to each recipient of a notification it created

A new tweet is pushed by its outbox event alone: the dispatcher is woken by the write and
handles it at once (bench/README: "one push path").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from chirp.core import topics
from chirp.core.audience import Audience, TweetRef, audience
from chirp.core.context import Context
from chirp.core.dispatch import Batch
from chirp.core.events import (
    DomainEvent,
    FavouriteCreated,
    FavouriteRemoved,
    PollVoted,
    StatusCreated,
    StatusDeleted,
    StatusUpdated,
)
from chirp.core.models import Conversation, Notification
from chirp.core.ports.bus import EventBus
from chirp.realtime.publish import Outgoing, publish_all_surely, publish_best_effort
from chirp.realtime.render import Renderer

log = logging.getLogger(__name__)


class Pusher:
    """The push steps, plus the live-counter coalescer they feed."""

    def __init__(self, ctx: Context, bus: EventBus, *, counts_interval: float = 0.25) -> None:
        self.ctx = ctx
        self.bus = bus
        self.render = Renderer(ctx)
        self.counts_interval = counts_interval
        self._dirty: set[int] = set()
        self._flusher: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()  # held until done

    @property
    def _handlers(self) -> dict[str, Callable[[Any, Batch, list[Outgoing]], Awaitable[None]]]:
        return {
            StatusCreated.KIND: self.status_created,
            StatusUpdated.KIND: self.status_updated,
            StatusDeleted.KIND: self.status_deleted,
            FavouriteCreated.KIND: self.engagement_changed,
            FavouriteRemoved.KIND: self.engagement_changed,
            PollVoted.KIND: self.engagement_changed,
        }

    async def defer(self, ctx: Context, event: DomainEvent, batch: Batch) -> None:
        """The step (`side_effects.Pushes.tweets`): queued on the batch and pushed by `flush`,
        after the batch's fan-out and notifications."""
        batch.pushes.append(event)

    async def flush(self, ctx: Context, batch: Batch) -> None:
        """The batch hook: push its events in order, then the notifications and conversations
        it made (read, not taken: Web Push queues the same notifications), all handed to the
        bus together (`publish_all_surely`)."""
        handlers = self._handlers
        outgoing: list[Outgoing] = []
        for event in batch.pushes:
            await handlers[event.KIND](event, batch, outgoing)
        for notification in batch.notifications:
            await self._notification(notification, outgoing)
        for conversation in {c.id: c for c in batch.conversations}.values():  # as it was last
            body = await self.render.conversation(conversation)
            outgoing.append(
                Outgoing((topics.direct(conversation.account_id),), "conversation", body)
            )
        await publish_all_surely(self.bus, outgoing)

    # -- per event -----------------------------------------------------------------------------

    async def status_created(
        self, event: StatusCreated, batch: Batch, outgoing: list[Outgoing]
    ) -> None:
        status = await batch.status(self.ctx, event.status_id)
        reached = batch.audiences.get(status.id) if status is not None else None
        if status is None or reached is None:
            return
        body = await self.render.status(status)
        once = f"status.created:{status.id}"
        outgoing.append(Outgoing(tuple(reached.topics()), "update", body, once))
        for parent in (status.in_reply_to_id, status.reblog_of_id, status.quote_of_id):
            if parent is not None:
                self.counts_changed(parent)

    async def status_updated(
        self, event: StatusUpdated, batch: Batch, outgoing: list[Outgoing]
    ) -> None:
        reached = batch.audiences.get(event.status_id)
        await self._push_update(event.status_id, reached, outgoing)

    def card_arrived(self, status_id: int) -> None:
        """`TweetPush`: in the background, so the card's reader does not wait."""
        self._in_background(self._push_update(status_id, None), name="chirp-card-push")

    async def _push_update(
        self, status_id: int, reached: Audience | None, outgoing: list[Outgoing] | None = None
    ) -> None:
        """Into `outgoing` (the outbox's pushes), else published at once, best effort."""
        status = await self.ctx.store.get_status(status_id)
        if status is None:
            return
        reached = reached or await audience(self.ctx, status)
        targets, body = reached.topics(direct=True), await self.render.status(status)
        if outgoing is not None:
            outgoing.append(Outgoing(tuple(targets), "status.update", body))
        else:
            await publish_best_effort(self.bus, targets, "status.update", body)

    async def status_deleted(
        self, event: StatusDeleted, batch: Batch, outgoing: list[Outgoing]
    ) -> None:
        tweet = event.tweet
        reached = await audience(self.ctx, tweet)
        for status_id in event.removed_ids or (tweet.id,):
            outgoing.append(Outgoing(tuple(reached.topics(direct=True)), "delete", str(status_id)))
        # Each retweet went to its retweeter's audience, who may not follow the original author.
        for reblog_id, reblogger_id in event.retweets:
            retweet = TweetRef(reblog_id, reblogger_id, "public", reblog_of_id=tweet.id)
            theirs = await audience(self.ctx, retweet, original_author_id=tweet.account_id)
            outgoing.append(Outgoing(tuple(theirs.topics()), "delete", str(reblog_id)))
        if tweet.reblog_of_id is not None:
            self.counts_changed(tweet.reblog_of_id)

    async def engagement_changed(
        self,
        event: FavouriteCreated | FavouriteRemoved | PollVoted,
        batch: Batch,
        outgoing: list[Outgoing],
    ) -> None:
        self.counts_changed(event.status_id)

    # -- notifications and conversations --------------------------------------------------------

    async def _notification(self, notification: Notification, outgoing: list[Outgoing]) -> None:
        body = await self.render.notification(notification)
        if body is not None:
            target = (topics.user(notification.account_id),)
            once = f"notification:{notification.id}"
            outgoing.append(Outgoing(target, "notification", body, once))

    def conversation_changed(self, conversation: Conversation) -> None:
        """`TweetPush`: in the background, so the response does not wait."""
        self._in_background(self._push_conversation(conversation), name="chirp-conversation-push")

    async def _push_conversation(self, conversation: Conversation) -> None:
        try:
            await self._conversation(conversation)
        except Exception:  # best effort: the REST read shows it
            log.exception("conversation push failed", extra={"conversation_id": conversation.id})

    async def _conversation(self, conversation: Conversation) -> None:
        """A change outside the outbox: best effort."""
        body = await self.render.conversation(conversation)
        await publish_best_effort(
            self.bus, [topics.direct(conversation.account_id)], "conversation", body
        )

    def _in_background(self, work: Awaitable[None], *, name: str) -> None:
        task = asyncio.ensure_future(work)
        task.set_name(name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- live counters -------------------------------------------------------------------------

    def counts_changed(self, status_id: int) -> None:
        """Coalesced: each tweet's counters go out at most once per `counts_interval`."""
        self._dirty.add(status_id)

    async def run_counts(self) -> None:
        while True:
            await asyncio.sleep(self.counts_interval)
            if self._dirty:
                dirty, self._dirty = self._dirty, set()
                try:
                    await self._publish_counts(dirty)
                except Exception:
                    log.exception("live counters failed")

    async def _publish_counts(self, status_ids: set[int]) -> None:
        for status_id, body in await self.render.counts(status_ids):
            await publish_best_effort(
                self.bus, [topics.status(status_id)], "status.counts", body, keep=False
            )

    def start(self) -> None:
        self._flusher = asyncio.create_task(self.run_counts(), name="chirp-live-counters")

    async def stop(self) -> None:
        for task in list(self._background):
            task.cancel()
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
