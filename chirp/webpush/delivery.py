"""Sending the pushes the outbox holds (`web_push.due`, queued by `chirp.core.web_push`).

The step only collects; the batch hook sends the batch's pushes concurrently (a slow push
service then costs the batch one time-out, not one per push). What the push service answers
decides the rest: 2xx delivered; 404/410 the subscription is gone (removed, as RFC 8030 says);
429, 5xx or no answer at all retried as a new event after a backoff that doubles (a
`Retry-After` longer than that is honoured), up to `MAX_ATTEMPTS`; any other 4xx will not get
better (dropped, logged). A push sent just before the process dies may be sent again when its
event is redone: Web Push is at least once, as the outbox is.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import orjson

from chirp.core.context import Context
from chirp.core.dispatch import Batch
from chirp.core.events import WebPushDue
from chirp.core.models import Event, PushSubscription
from chirp.core.web_push import MAX_ATTEMPTS, push_event
from chirp.serializers.web_push import push_payload
from chirp.webpush.sender import PushUnreachable, WebPushSender

log = logging.getLogger(__name__)

GONE = (404, 410)
RETRIED = (408, 425, 429)
RETRY_AFTER_MAX = 3600.0


class WebPushDelivery:
    def __init__(
        self, sender: WebPushSender, *, concurrency: int = 16, retry_seconds: float = 10.0
    ) -> None:
        self.sender = sender
        self.retry_seconds = retry_seconds
        self._slots = asyncio.Semaphore(concurrency)

    async def defer(self, ctx: Context, event: WebPushDue, batch: Batch) -> None:
        batch.web_pushes.append(event)

    async def flush(self, ctx: Context, batch: Batch) -> None:
        events, batch.web_pushes = batch.web_pushes, []
        if not events:
            return
        subscriptions = await ctx.store.get_push_subscriptions(e.subscription_id for e in events)
        outcomes = await asyncio.gather(
            *(self._push(ctx, event, subscriptions) for event in events)
        )
        for delay, retries in _by_delay([o for o in outcomes if o is not None]).items():
            await ctx.store.record_events(retries, ctx.now() + timedelta(seconds=delay))

    async def _push(
        self, ctx: Context, event: WebPushDue, subscriptions: dict[int, PushSubscription]
    ) -> tuple[float, Event] | None:
        """Send one push; a retry (its delay and event) if it should be tried again."""
        subscription = subscriptions.get(event.subscription_id)
        if subscription is None:
            return None  # unsubscribed (or gone) since it was queued
        notification = await ctx.store.get_notification(
            subscription.account_id, event.notification_id
        )
        if notification is None:
            return None  # dismissed or withdrawn since
        sender = await ctx.store.get_account(notification.from_account_id)
        if sender is None:
            return None
        status = (
            await ctx.store.get_status(notification.status_id)
            if notification.status_id is not None
            else None
        )
        credentials = await ctx.store.get_credentials(subscription.account_id)
        payload = push_payload(
            notification,
            sender,
            status,
            ctx.settings,
            credentials.locale if credentials is not None else "en",
        )
        attempt = event.attempt
        async with self._slots:
            try:
                response = await self.sender.send(subscription, orjson.dumps(payload))
            except PushUnreachable as error:
                return self._retry(ctx, event, attempt, None, str(error))
            except Exception as error:  # a bug here must not hold back the batch's others
                log.exception("push failed", extra={"subscription_id": subscription.id})
                return self._retry(ctx, event, attempt, None, type(error).__name__)
        if 200 <= response.status < 300:
            return None
        if response.status in GONE:
            await ctx.store.remove_push_subscription(subscription.id)
            log.info("push subscription gone", extra={"subscription_id": subscription.id})
            return None
        if response.status in RETRIED or response.status >= 500:
            return self._retry(ctx, event, attempt, response.retry_after, str(response.status))
        log.warning(
            "push refused",
            extra={"subscription_id": subscription.id, "status": response.status},
        )
        return None

    def _retry(
        self, ctx: Context, event: WebPushDue, attempt: int, retry_after: str | None, why: str
    ) -> tuple[float, Event] | None:
        subscription_id = event.subscription_id
        if attempt + 1 >= MAX_ATTEMPTS:
            log.warning("push given up", extra={"subscription_id": subscription_id, "reason": why})
            return None
        delay = self.retry_seconds * 2**attempt
        if retry_after is not None and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), RETRY_AFTER_MAX))
        log.info(
            "push will be retried",
            extra={"subscription_id": subscription_id, "reason": why, "retry_in_s": delay},
        )
        again = push_event(
            ctx,
            subscription_id,
            event.account_id,
            event.notification_id,
            attempt + 1,
        )
        return delay, again


def _by_delay(retries: list[tuple[float, Event]]) -> dict[float, list[Event]]:
    grouped: dict[float, list[Event]] = {}
    for delay, event in retries:
        grouped.setdefault(delay, []).append(event)
    return grouped
