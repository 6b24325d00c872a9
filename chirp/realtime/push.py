"""Realtime push: one more dispatcher step per domain event, after fan-out and notifications.

Who receives what is decided here, from the same visibility rules as the REST reads:

    status.created  -> `update` to the home feeds it reached (tag followers' among them, and
                       every follower of an author too big to fan out), and to
                       `public`/`hashtag:*` if public and not a retweet
                       (tweets that are neither retweets nor direct go out from the post path
                       already, `posted`, before the fan-out; the bus drops the second copy);
                       `update` to the `list:*` topics of the lists it went into
                       (`FanOut.list_ids`); live counters of the replied-to, retweeted or
                       quoted tweet
    status.updated  -> `status.update` to followers, tag followers (`feeds.tag_audience`),
                       mentioned accounts, public streams and the lists holding its author
    status.deleted  -> `delete` to the same audience
    conversations   -> `conversation` to its reader's `direct` stream, for each conversation a
                       new, edited or deleted direct tweet changed (`Batch.conversations`)
    favourite.*     -> live counters of the tweet
    every event     -> `notification` to each recipient of a notification it created

A status is serialized once per event, without viewer state (as Mastodon's streaming does), and
published once to all its topics; notifications are rendered per recipient.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import cast

import orjson

from chirp.core import feeds, topics
from chirp.core.context import Context
from chirp.core.direct_conversations import participants_shown
from chirp.core.dispatch import Batch, Step
from chirp.core.filter_matching import hides, subject_text
from chirp.core.models import Conversation, Event, Notification, Status
from chirp.core.ports.bus import BusUnavailable, EventBus
from chirp.core.views import StatusBundle, load_bundle, load_notification_bundle, load_visible
from chirp.realtime import involved
from chirp.serializers.conversations import conversation_json
from chirp.serializers.notifications import notification_json
from chirp.serializers.polls import poll_counts_json
from chirp.serializers.statuses import StatusSerializer

log = logging.getLogger(__name__)

PUSHED_MEMORY = 10_000
# Authors whose followers' topic names are kept (the ones posting lately).
TOPIC_LISTS = 256
# How long the outbox waits for the post path to push a tweet before pushing it itself.
POSTING_WAIT = 5.0
# The longest pause between tries of a push the bus refused (its server away).
BUS_RETRY_MAX = 2.0


def dumps(value: object) -> str:
    return orjson.dumps(value).decode()


async def publish_best_effort(
    bus: EventBus,
    targets: Iterable[str],
    event: str,
    payload: str,
    *,
    keep: bool = True,
    once: str | None = None,
) -> bool:
    """Publish, logging failures; True if the bus took the message."""
    targets = list(dict.fromkeys(targets))
    if not targets:
        return True
    try:
        await bus.publish(targets, event, payload, keep=keep, once=once)
    except BusUnavailable as error:
        log.warning(
            "realtime publish failed: bus away", extra={"event": event, "error": str(error)}
        )
        return False
    except Exception:  # realtime is best effort; REST and the replay history stay correct
        log.exception("realtime publish failed", extra={"event": event})
        return False
    return True


async def publish_surely(
    bus: EventBus, targets: Iterable[str], event: str, payload: str, *, once: str | None = None
) -> None:
    """The outbox's pushes: while the bus is away, wait and try again, holding up the
    dispatcher (its events stay leased), so every socket gets every event, in order, once the
    bus is back, and none is delivered to this node's sockets alone. Other failures are logged
    and dropped, as `publish_best_effort` does."""
    targets = list(dict.fromkeys(targets))
    pause = 0.1
    while targets:
        try:
            await bus.publish(targets, event, payload, once=once)
            return
        except BusUnavailable as error:
            log.warning(
                "realtime push waits for the bus",
                extra={"event": event, "error": str(error), "retry_in_s": pause},
            )
        except Exception:
            log.exception("realtime publish failed", extra={"event": event})
            return
        await asyncio.sleep(pause)
        pause = min(pause * 2, BUS_RETRY_MAX)


def _user_topics(readers: Iterable[int]) -> list[str]:
    return list(dict.fromkeys(map(topics.user, readers)))


def _once_key(status_id: int) -> str:
    """The bus key that lets a new tweet's `update` out once, whichever path pushes first."""
    return f"status.created:{status_id}"


def _involved(status: Status, statuses: dict[int, Status]) -> list[int]:
    """Its author first, then the retweeted and quoted authors, replied-to and mentioned
    accounts: a subscriber shunning any of them does not get it (`chirp.realtime.involved`)."""
    ids = [status.account_id]
    for subject in (status, statuses.get(status.reblog_of_id or 0)):
        if subject is None:
            continue
        ids.append(subject.account_id)
        ids.extend(subject.mention_ids)
        if subject.in_reply_to_account_id is not None:
            ids.append(subject.in_reply_to_account_id)
        quoted = statuses.get(subject.quote_of_id or 0)
        if quoted is not None:
            ids.append(quoted.account_id)
    return ids


def _subject(status: Status, bundle: StatusBundle) -> involved.Subject:
    """What each subscriber's content filters match the tweet on (its original's text)."""
    original = bundle.statuses.get(status.reblog_of_id or 0)
    subject = original or status
    media = (bundle.media[m] for m in subject.media_ids if m in bundle.media)
    text = subject_text(subject, bundle.polls.get(subject.id), media)
    ids = (status.id, subject.id) if subject is not status else (status.id,)
    return involved.Subject(ids, text)


class Pusher:
    """The push steps, plus the live-counter coalescer they feed."""

    def __init__(self, ctx: Context, bus: EventBus, *, counts_interval: float = 0.25) -> None:
        self.ctx = ctx
        self.bus = bus
        self.counts_interval = counts_interval
        self._dirty: set[int] = set()
        # Tweets the post path pushed (`posted`), so this node's outbox step skips them; other
        # nodes' copies are dropped by the bus (`once`).
        self._pushed: dict[int, None] = {}
        # The post path's pushes under way, by tweet: the outbox step waits for one of these
        # rather than push the tweet too (under steady posting the outbox often got there
        # first, and each tweet was rendered and published twice).
        self._posting: dict[int, asyncio.Task[None]] = {}
        self._last_posting: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()  # held until done
        self._home_topic_lists: dict[int, tuple[list[int], list[str]]] = {}
        self._card_pushes: set[asyncio.Task[None]] = set()

    def steps(self) -> dict[str, list[Step]]:
        """Each event is queued on the batch and pushed by `flush`, after the batch's fan-out
        (which tells who received each tweet)."""
        return {kind: [self.defer] for kind in self._handlers}

    @property
    def _handlers(self) -> dict[str, Callable[[Event, Batch], Awaitable[None]]]:
        return {
            "status.created": self.status_created,
            "status.updated": self.status_updated,
            "status.deleted": self.status_deleted,
            "favourite.created": self.engagement_changed,
            "favourite.removed": self.engagement_changed,
            "poll.voted": self.engagement_changed,
        }

    async def defer(self, ctx: Context, event: Event, batch: Batch) -> None:
        batch.pushes.append(event)

    async def flush(self, ctx: Context, batch: Batch) -> None:
        """The batch hook: push its events in order, then the notifications it created."""
        handlers = self._handlers
        pending, batch.pushes = batch.pushes, []
        await self._skip_pushed_elsewhere(pending)
        for event in pending:
            await handlers[event.kind](event, batch)
        notes, batch.notifications = batch.notifications, []
        for notification in notes:
            await self._notification(notification)
        changed, batch.conversations = batch.conversations, []
        for conversation in {c.id: c for c in changed}.values():  # each as it was last
            await self._conversation(conversation, surely=True)

    async def _skip_pushed_elsewhere(self, events: list[Event]) -> None:
        """Tweets another node's post path pushed: one bus lookup for the batch, instead of a
        publish per tweet to all its readers for the bus to drop (over Redis, a round trip
        each with thousands of topics, which held a two-worker outbox to ~200 tweets/s)."""
        created = {
            _once_key(cast(int, e.payload["status_id"])): cast(int, e.payload["status_id"])
            for e in events
            if e.kind == "status.created" and e.payload["status_id"] not in self._pushed
        }
        for key in await self.bus.published(list(created)) if created else ():
            self._remember_pushed(created[key])

    def _remember_pushed(self, status_id: int) -> None:
        self._pushed[status_id] = None
        while len(self._pushed) > PUSHED_MEMORY:
            del self._pushed[next(iter(self._pushed))]

    # -- per event -----------------------------------------------------------------------------

    async def status_created(self, event: Event, batch: Batch) -> None:
        status = await batch.status(self.ctx, cast(int, event.payload["status_id"]))
        if status is None:
            return
        if (posting := self._posting.get(status.id)) is not None:
            await asyncio.wait([posting], timeout=POSTING_WAIT)
        if status.id not in self._pushed:  # else the post path has pushed it already
            readers = set(batch.delivered.get(status.id, [])) | {status.account_id}
            if status.visibility != "direct" and await self._too_big_to_fan_out(status.account_id):
                readers.update(await self.ctx.store.follower_ids(status.account_id))
                readers -= await feeds.exclusive_owners(self.ctx, status.account_id)
            await self._publish_update(status, _user_topics(readers), surely=True)
        if listed := batch.listed.get(status.id):
            await publish_surely(
                self.bus,
                [topics.list_(i) for i in listed],
                "update",
                await self._render(status),
                once=f"list:{status.id}",
            )
        for parent in (status.in_reply_to_id, status.reblog_of_id, status.quote_of_id):
            if parent is not None:
                self.counts_changed(parent)

    def posted(self, status: Status) -> None:
        """The post path's push (`TweetPush`): in the background, so the response does not wait.
        Direct tweets and retweets, whose audience depends on the fan-out's rules, are left to
        the outbox."""
        if status.visibility == "direct" or status.reblog_of_id is not None:
            return
        task = asyncio.create_task(self._push_posted(status, self._last_posting))
        self._last_posting = task
        self._posting[status.id] = task
        task.add_done_callback(lambda _: self._posting.pop(status.id, None))

    def conversation_changed(self, conversation: Conversation) -> None:
        """`TweetPush`: in the background, so the response does not wait."""
        task = asyncio.create_task(self._push_conversation(conversation))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _push_conversation(self, conversation: Conversation) -> None:
        try:
            await self._conversation(conversation)
        except Exception:  # best effort: the REST read shows it
            log.exception("conversation push failed", extra={"conversation_id": conversation.id})

    async def _push_posted(self, posted: Status, previous: asyncio.Task[None] | None) -> None:
        status_id = posted.id
        try:
            # The stored tweet (gone if deleted meanwhile) and its readers (from fields that never
            # change), read side by side: under load each hop to a reader thread waits for the
            # busy loop (and the GIL) twice. The batch getter is a short read on the loop's own
            # thread in SQLite (`fetchall_now`), which `get_status` is not.
            found, home = await asyncio.gather(
                self.ctx.store.get_statuses([status_id]), self._home_topics(posted)
            )
            status = found.get(status_id)
            if status is None:
                return
            payload = await self._render(status)
            if previous is not None:  # prepared side by side, published in the order posted
                await asyncio.wait([previous])
            if await self._publish_update(status, home, payload):
                self._remember_pushed(status.id)
        except Exception:  # the outbox pushes it anyway
            log.exception("fast push failed", extra={"status_id": status_id})

    async def _home_topics(self, status: Status) -> list[str]:
        """The `user:` topics of the home feeds a tweet (not a retweet, not direct) reaches: the
        same rule as the fan-out (`FanOut`, `feeds.plan_fan_out`): replies to someone else only
        reach followers who follow them too; authors too big to fan out reach every follower,
        as `status_created` does; followers of its hashtags get it too."""
        home, tagged, exclusive = await asyncio.gather(
            self._followers_home_topics(status),
            feeds.tag_audience(self.ctx, status.account_id, status.visibility, status.tags),
            feeds.exclusive_owners(self.ctx, status.account_id),
        )
        if exclusive:  # they read the author in an exclusive list, not at home
            excluded = set(_user_topics(exclusive))
            home = [t for t in home if t not in excluded]
            tagged = [a for a in tagged if a not in exclusive]
        if not tagged:
            return home
        return list(dict.fromkeys([*home, *_user_topics(tagged)]))

    async def _followers_home_topics(self, status: Status) -> list[str]:
        followers = await self.ctx.store.follower_ids(status.account_id)
        replied_to = status.in_reply_to_account_id
        if replied_to not in (None, status.account_id) and not await self._too_big_to_fan_out(
            status.account_id
        ):
            assert replied_to is not None
            theirs = set(await self.ctx.store.follower_ids(replied_to))
            followers = [f for f in followers if f == replied_to or f in theirs]
            return _user_topics([*followers, status.account_id])
        return self._followers_topics(status.account_id, followers)

    def _followers_topics(self, author_id: int, followers: list[int]) -> list[str]:
        """An author's and their followers' topics, built again only when the list changed:
        a thousand topic names a tweet were ~15% of the loop's time under steady posting."""
        kept = self._home_topic_lists.pop(author_id, None)
        if kept is None or kept[0] != followers:  # a list compare is one C loop
            kept = (followers, _user_topics([*followers, author_id]))
        self._home_topic_lists[author_id] = kept  # most recently used last
        while len(self._home_topic_lists) > TOPIC_LISTS:
            del self._home_topic_lists[next(iter(self._home_topic_lists))]
        return kept[1]

    async def _publish_update(
        self,
        status: Status,
        user_topics: list[str],
        payload: str | None = None,
        *,
        surely: bool = False,
    ) -> bool:
        """`user_topics`: distinct, as `_user_topics` makes them; `surely`: the outbox's push
        (`publish_surely`), else the post path's (best effort)."""
        targets = user_topics
        if (
            status.visibility == "public"
            and status.reblog_of_id is None
            and await feeds.reaches_the_public(self.ctx, status.account_id)
        ):
            targets = [*targets, topics.PUBLIC, *(topics.hashtag(t) for t in status.tags)]
        body = payload if payload is not None else await self._render(status)
        if surely:
            await publish_surely(self.bus, targets, "update", body, once=_once_key(status.id))
            return True
        return await publish_best_effort(
            self.bus, targets, "update", body, once=_once_key(status.id)
        )

    async def status_updated(self, event: Event, batch: Batch) -> None:
        await self._push_update(cast(int, event.payload["status_id"]))

    def card_arrived(self, status_id: int) -> None:
        """`TweetPush`: in the background, like the post path's push."""
        task = asyncio.create_task(self._push_update(status_id), name="chirp-card-push")
        self._card_pushes.add(task)
        task.add_done_callback(self._card_pushes.discard)

    async def _push_update(self, status_id: int) -> None:
        status = await self.ctx.store.get_status(status_id)
        if status is not None:
            targets = await self._audience(
                status.account_id, status.visibility, status.mention_ids, status.tags
            )
            await publish_surely(self.bus, targets, "status.update", await self._render(status))

    async def status_deleted(self, event: Event, batch: Batch) -> None:
        payload = event.payload
        tags = str(payload.get("tags") or "")
        targets = await self._audience(
            cast(int, payload["account_id"]),
            str(payload.get("visibility") or "public"),
            cast(list[int], payload.get("mention_ids") or []),
            [t for t in tags.split(",") if t],
        )
        deleted = cast(list[int], payload.get("deleted_ids") or [payload["status_id"]])
        for status_id in deleted:
            await publish_surely(self.bus, targets, "delete", str(status_id))
        # Each retweet went to its retweeter's followers, who may not follow the original author.
        reblogs = zip(
            cast(list[int], payload.get("reblog_ids") or []),
            cast(list[int], payload.get("reblogger_ids") or []),
            strict=True,
        )
        for reblog_id, reblogger_id in reblogs:
            home = await self._audience(reblogger_id, "private", [], [])
            await publish_surely(self.bus, home, "delete", str(reblog_id))
        if payload.get("reblog_of_id") is not None:
            self.counts_changed(cast(int, payload["reblog_of_id"]))

    async def engagement_changed(self, event: Event, batch: Batch) -> None:
        self.counts_changed(cast(int, event.payload["status_id"]))

    # -- helpers -------------------------------------------------------------------------------

    async def _render(self, status: Status) -> str:
        """The tweet's JSON, with the accounts it involves beside it for the hub's filters."""
        bundle = await load_bundle(self.ctx, [status], None)
        body = dumps(StatusSerializer(bundle, self.ctx.settings).status(status))
        return involved.tag(body, _involved(status, bundle.statuses), _subject(status, bundle))

    async def _notification(self, notification: Notification) -> None:
        bundle = await load_notification_bundle(self.ctx, [notification], notification.account_id)
        if notification.status_id is not None and hides(
            bundle.filtered.get(notification.status_id, ())
        ):
            return  # the recipient's `hide` filters leave it out of notifications
        body = notification_json(notification, StatusSerializer(bundle, self.ctx.settings))
        if body is not None:
            await publish_surely(
                self.bus,
                [topics.user(notification.account_id)],
                "notification",
                dumps(body),
                once=f"notification:{notification.id}",
            )

    async def _too_big_to_fan_out(self, account_id: int) -> bool:
        author = await self.ctx.store.get_account(account_id)
        threshold = self.ctx.settings.fanout_follower_threshold
        return author is not None and author.followers_count >= threshold

    async def _audience(
        self, author_id: int, visibility: str, mention_ids: Iterable[int], tags: Iterable[str]
    ) -> list[str]:
        readers = {author_id, *mention_ids}
        if visibility != "direct":
            readers.update(await self.ctx.store.follower_ids(author_id))
        tags = list(tags)  # read twice
        readers.update(await feeds.tag_audience(self.ctx, author_id, visibility, tags))
        targets = [topics.user(r) for r in readers]
        if visibility != "direct":
            member_of = await self.ctx.store.member_lists([author_id])
            targets += [topics.list_(lst.id) for lst in member_of.get(author_id, [])]
        if visibility == "public":
            targets += [topics.PUBLIC, *(topics.hashtag(t) for t in tags)]
        if visibility == "direct":
            targets += [topics.direct(r) for r in (author_id, *mention_ids)]
        return targets

    async def _conversation(self, conversation: Conversation, *, surely: bool = False) -> None:
        """Mastodon's `direct` stream carries conversations: the reader's own, as its REST
        read shows it (`conversation_json` for that reader). `surely`: from the outbox
        (`publish_surely`); else a change outside it, best effort."""
        reader = conversation.account_id
        shown = await load_visible(self.ctx, [conversation.last_status_id], reader)
        bundle = await load_bundle(
            self.ctx, shown, reader, extra_account_ids=participants_shown(conversation)
        )
        body = conversation_json(
            conversation, StatusSerializer(bundle, self.ctx.settings), shown[0] if shown else None
        )
        who = _involved(shown[0], bundle.statuses) if shown else []
        publish = publish_surely if surely else publish_best_effort
        await publish(
            self.bus, [topics.direct(reader)], "conversation", involved.tag(dumps(body), who)
        )

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
        found = await self.ctx.store.get_statuses(status_ids)
        polls = await self.ctx.store.get_polls_of_statuses(found) if found else {}
        for status in found.values():
            counts: dict[str, object] = {
                "id": str(status.id),
                "replies_count": status.replies_count,
                "reblogs_count": status.reblogs_count,
                "favourites_count": status.favourites_count,
                "quotes_count": status.quotes_count,
            }
            if status.id in polls:  # everyone on the stream sees them: no viewer's own votes
                counts["poll"] = poll_counts_json(polls[status.id], self.ctx.now())
            await publish_best_effort(
                self.bus, [topics.status(status.id)], "status.counts", dumps(counts), keep=False
            )

    def start(self) -> None:
        self._flusher = asyncio.create_task(self.run_counts(), name="chirp-live-counters")

    async def stop(self) -> None:
        for task in [*self._posting.values(), *self._card_pushes]:
            task.cancel()  # the outbox pushes new tweets after a restart
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
