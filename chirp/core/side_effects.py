"""What happens after each write: the one place mapping domain events to their side effects.

    status.created    -> fan out to home feeds and list timelines (for the whole batch at
                         once); notify mentions, retweets, quotes; a direct tweet joins its
                         participants' conversations
    status.updated    -> notify newly mentioned accounts, and retweeters (`update`); a direct
                         tweet joins the conversations of the newly mentioned
    status.deleted    -> withdraw the retweet notification (feeds and rows cascade in the
                         write); take it out of list timelines and conversations
    favourite.created -> notify the author          favourite.removed -> withdraw it
    follow.created    -> notify the followed account; merge their recent tweets into the feed
    follow.removed    -> take their tweets out of the feed (again: the store may keep the feed
                         apart from the follow, as SQLite does, and stop in between)
    follow_request.created    -> `follow_request` notification to the locked account
    follow_request.removed    -> withdraw it (the request was withdrawn or rejected)
    follow_request.authorized -> withdraw it; merge the followee's tweets into the feed
    account.unlocked  -> authorize every follow request still pending
    tag_follow.removed -> take the tweets the tag brought out of the feed
    stream.live       -> `chirp.live` notification to every follower of the streamer
    stream.ended      -> (realtime push only: the relay stops, watchers are told)
    announcement.*    -> (realtime push only: to every `user` stream)
    poll.voted        -> (realtime push only: the tweet's `status.counts` carry the poll's)
    poll.ended        -> `poll` notification to every voter and the author (due at the end)
    scheduled_status.due -> publish the scheduled tweet (due at `scheduled_at`)
    status.created / status.updated -> also the preview card of the tweet's first link, read
                         beside the dispatcher (`cards.CardQueue`); its arrival is a
                         `status.update` (`TweetPush.card_arrived`)
    account.created   -> `admin.sign_up` notification to every staff member
    report.created    -> `admin.report` notification to every staff member (not the reporter
                         nor the reported)
    account.deleted   -> delete a suspended account's data (`account_deletion.purge_account`)
    token.revoked     -> close the streams opened with the tokens, on every node (a control
                         message on each `token:<id>`; `revocation.close_revoked_streams`)
    web_push.due      -> (sent by `chirp.webpush.delivery`, retried as a new event)
    every batch       -> its new notifications queue a `web_push.due` per subscription taking
                         them (`web_push.queue_web_pushes`)

The realtime pushes are in the table too (`Pushes`): a new, edited or deleted tweet goes to
its audience (`core.audience`, the rule the fan-out and the notifications go by), favourites
and votes to the tweet's live counters, and every batch's notifications and conversations to
their readers, after the batch's fan-out (`default_after_batch`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from chirp.core import (
    account_deletion,
    audience,
    direct_conversations,
    feeds,
    follow_requests,
    notifications,
    polls,
    revocation,
    scheduled_statuses,
    staff_notifications,
    web_push,
)
from chirp.core.context import Context
from chirp.core.dispatch import Batch, BatchDone, Step
from chirp.core.events import (
    AccountCreated,
    AccountDeleted,
    AccountUnlocked,
    AnnouncementDeleted,
    AnnouncementPublished,
    AnnouncementReaction,
    FavouriteCreated,
    FavouriteRemoved,
    FollowCreated,
    FollowRemoved,
    FollowRequestAuthorized,
    FollowRequestCreated,
    FollowRequestRemoved,
    PollEnded,
    PollVoted,
    ReportCreated,
    ScheduledStatusDue,
    StatusCreated,
    StatusDeleted,
    StatusUpdated,
    StreamEnded,
    StreamLive,
    TagFollowRemoved,
    TokensRevoked,
    WebPushDue,
)


async def reach(ctx: Context, event: StatusCreated, batch: Batch) -> None:
    """Who a new tweet reaches (`core.audience`, kept on the batch for the notifications and
    the push); its fan-out is planned here and done for the whole batch by `fan_out_batch`."""
    status = await batch.status(ctx, event.status_id)
    if status is None:
        return
    reached = await audience.audience(ctx, status, reads=batch.reads(ctx))
    batch.audiences[status.id] = reached
    if reached.feed_ids or reached.list_ids:
        batch.fan_outs.append(feeds.fan_out_of(status, reached))


async def reach_after_edit(ctx: Context, event: StatusUpdated, batch: Batch) -> None:
    """Who an edited tweet reaches: where it went, and the accounts it newly mentions."""
    status = await batch.status(ctx, event.status_id)
    if status is not None:
        batch.audiences[status.id] = await audience.audience(
            ctx,
            status,
            new_mentions=event.new_mentions,
            reads=batch.reads(ctx),
        )


async def fan_out_batch(ctx: Context, batch: Batch) -> None:
    plans = batch.fan_outs
    reached = await feeds.fan_out_statuses(ctx, plans)
    batch.fan_outs = []
    listed = {i for plan in plans for i in plan.list_ids}
    if listed:
        await feeds.trim_lists(ctx, listed)
    added = batch.added_to_feeds
    for owners in reached.values():
        for owner in owners:
            added[owner] = added.get(owner, 0) + 1


async def notify_audience(ctx: Context, event: StatusCreated | StatusUpdated, batch: Batch) -> None:
    """The notifications of a new or edited tweet (`Audience.notices`)."""
    status = await batch.status(ctx, event.status_id)
    if status is not None and (reached := batch.audiences.get(status.id)) is not None:
        batch.notifications += await notifications.notify_audience(
            ctx, status.account_id, reached.notices
        )


async def join_conversations(ctx: Context, event: StatusCreated, batch: Batch) -> None:
    status = await batch.status(ctx, event.status_id)
    if status is not None and status.visibility == "direct":
        batch.conversations += await direct_conversations.add_direct_tweet(ctx, status)


async def join_conversations_after_edit(ctx: Context, event: StatusUpdated, batch: Batch) -> None:
    status = await batch.status(ctx, event.status_id)
    if status is not None and status.visibility == "direct":
        await direct_conversations.add_direct_tweet(ctx, status, only=event.new_mentions)
        # Every conversation holding it shows the edit (Mastodon leaves them as they were).
        batch.conversations += await ctx.store.conversations_with_status(status.id)


async def leave_lists_and_conversations(ctx: Context, event: StatusDeleted, batch: Batch) -> None:
    await ctx.store.remove_from_list_feeds(event.removed_ids or (event.status_id,))
    if event.visibility == "direct":
        batch.conversations += await direct_conversations.remove_direct_tweet(ctx, event.status_id)


async def withdraw_reblog(ctx: Context, event: StatusDeleted, batch: Batch) -> None:
    if event.reblog_of_id is not None:
        await notifications.withdraw(ctx, "reblog", event.account_id, event.reblog_of_id)


async def notify_favourite(ctx: Context, event: FavouriteCreated, batch: Batch) -> None:
    batch.notifications += await notifications.notify(
        ctx, event.author_id, "favourite", event.account_id, event.status_id
    )


async def withdraw_favourite(ctx: Context, event: FavouriteRemoved, batch: Batch) -> None:
    await notifications.withdraw(
        ctx, "favourite", event.account_id, event.status_id, event.author_id
    )


async def notify_follow(ctx: Context, event: FollowCreated, batch: Batch) -> None:
    batch.notifications += await notifications.notify(
        ctx, event.target_account_id, "follow", event.account_id
    )


async def merge_followed_tweets(
    ctx: Context, event: FollowCreated | FollowRequestAuthorized, batch: Batch
) -> None:
    owner = event.account_id
    if merged := await feeds.merge_after_follow(ctx, owner, event.target_account_id):
        batch.added_to_feeds[owner] = batch.added_to_feeds.get(owner, 0) + merged


async def withdraw_unfollowed_tweets(ctx: Context, event: FollowRemoved, batch: Batch) -> None:
    await feeds.withdraw_after_unfollow(ctx, event.account_id, event.target_account_id)


async def notify_follow_request(ctx: Context, event: FollowRequestCreated, batch: Batch) -> None:
    batch.notifications += await notifications.notify(
        ctx, event.target_account_id, "follow_request", event.account_id
    )


async def withdraw_follow_request(
    ctx: Context, event: FollowRequestRemoved | FollowRequestAuthorized, batch: Batch
) -> None:
    await notifications.withdraw(
        ctx, "follow_request", event.account_id, None, event.target_account_id
    )


async def authorize_pending_requests(ctx: Context, event: AccountUnlocked, batch: Batch) -> None:
    await follow_requests.authorize_all_follow_requests(ctx, event.account_id)


async def withdraw_unfollowed_tag_tweets(
    ctx: Context, event: TagFollowRemoved, batch: Batch
) -> None:
    await feeds.withdraw_after_tag_unfollow(ctx, event.account_id, event.name)


async def notify_live(ctx: Context, event: StreamLive, batch: Batch) -> None:
    batch.notifications += await notifications.notify_live(ctx, event.stream_id)


async def notify_poll_ended(ctx: Context, event: PollEnded, batch: Batch) -> None:
    batch.notifications += await polls.notify_poll_ended(ctx, event)


async def remove_poll(ctx: Context, event: StatusDeleted, batch: Batch) -> None:
    await polls.close_poll_of(ctx, event.status_id)


async def fetch_link_card(ctx: Context, event: StatusCreated | StatusUpdated, batch: Batch) -> None:
    status = await batch.status(ctx, event.status_id)
    if status is not None and ctx.card_queue is not None:
        ctx.card_queue.submit(status)


async def notify_staff_of_sign_up(ctx: Context, event: AccountCreated, batch: Batch) -> None:
    batch.notifications += await staff_notifications.notify_staff_of_sign_up(ctx, event)


async def notify_staff_of_report(ctx: Context, event: ReportCreated, batch: Batch) -> None:
    batch.notifications += await staff_notifications.notify_staff_of_report(ctx, event)


async def purge_account(ctx: Context, event: AccountDeleted, batch: Batch) -> None:
    await account_deletion.purge_account(ctx, event.account_id)


async def close_revoked_streams(ctx: Context, event: TokensRevoked, batch: Batch) -> None:
    await revocation.close_revoked_streams(ctx, event.token_ids)


async def publish_scheduled(ctx: Context, event: ScheduledStatusDue, batch: Batch) -> None:
    await scheduled_statuses.publish_scheduled_tweet(ctx, event)


@dataclass(frozen=True, slots=True)
class Pushes:
    """The steps of the realtime side and of Web Push, listed in the table below like every
    other side effect (their code lives in `chirp.realtime` and `chirp.webpush`, which the core
    does not import; `chirp.server.app` hands them in)."""

    # `realtime.push.Pusher.defer`: a tweet's or its counters' push, queued on the batch and
    # sent after its fan-out and notifications by `tweets_sent` (`Pusher.flush`), with the
    # notifications and conversations the batch made.
    tweets: Step
    tweets_sent: BatchDone
    # `realtime.live.LiveRealtime`: a stream's start to its followers' streams; its end to the
    # node relaying it (`stop_relay`) and, once its replay is complete, to its watchers.
    went_live: Step
    stop_relay: Step
    stream_ended: Step
    # `realtime.announcements.AnnouncementPushes`: to every `user` stream.
    announcement_published: Step
    announcement_reaction: Step
    announcement_deleted: Step
    # `webpush.delivery.WebPushDelivery`: queued, sent together by `web_pushes_sent`.
    web_push: Step
    web_pushes_sent: BatchDone


def default_steps(pushes: Pushes | None = None) -> dict[str, list[Step]]:
    """Every event type and what follows it, in order (`pushes`: none in tools and core
    tests, where nothing listens)."""

    def push(*picks: Callable[[Pushes], Step]) -> list[Step]:
        return [pick(pushes) for pick in picks] if pushes is not None else []

    return {
        StatusCreated.KIND: [
            reach,
            notify_audience,
            join_conversations,
            fetch_link_card,
            *push(lambda p: p.tweets),
        ],
        StatusUpdated.KIND: [
            reach_after_edit,
            notify_audience,
            join_conversations_after_edit,
            fetch_link_card,
            *push(lambda p: p.tweets),
        ],
        StatusDeleted.KIND: [
            withdraw_reblog,
            remove_poll,
            leave_lists_and_conversations,
            *push(lambda p: p.tweets),
        ],
        FavouriteCreated.KIND: [notify_favourite, *push(lambda p: p.tweets)],
        FavouriteRemoved.KIND: [withdraw_favourite, *push(lambda p: p.tweets)],
        FollowCreated.KIND: [notify_follow, merge_followed_tweets],
        FollowRemoved.KIND: [withdraw_unfollowed_tweets],
        FollowRequestCreated.KIND: [notify_follow_request],
        FollowRequestRemoved.KIND: [withdraw_follow_request],
        FollowRequestAuthorized.KIND: [withdraw_follow_request, merge_followed_tweets],
        AccountUnlocked.KIND: [authorize_pending_requests],
        TagFollowRemoved.KIND: [withdraw_unfollowed_tag_tweets],
        StreamLive.KIND: [notify_live, *push(lambda p: p.went_live)],
        StreamEnded.KIND: push(lambda p: p.stop_relay, lambda p: p.stream_ended),
        PollVoted.KIND: push(lambda p: p.tweets),
        PollEnded.KIND: [notify_poll_ended],
        ScheduledStatusDue.KIND: [publish_scheduled],
        AccountCreated.KIND: [notify_staff_of_sign_up],
        ReportCreated.KIND: [notify_staff_of_report],
        AccountDeleted.KIND: [purge_account],
        WebPushDue.KIND: push(lambda p: p.web_push),
        AnnouncementPublished.KIND: push(lambda p: p.announcement_published),
        AnnouncementReaction.KIND: push(lambda p: p.announcement_reaction),
        AnnouncementDeleted.KIND: push(lambda p: p.announcement_deleted),
        TokensRevoked.KIND: [close_revoked_streams],
    }


def default_after_batch(pushes: Pushes | None = None) -> list[BatchDone]:
    """The realtime pushes of the batch's events, notifications and conversations (their
    audiences are known from the steps: readers do not wait for the feeds' writes) beside, in
    order: fan out the batch's tweets, trim the feeds that grew enough (the trimmer counts
    across batches, so one per dispatcher), queue the Web Push of its notifications. Then send
    the Web Pushes due. A batch run again after a failure pushes nothing twice (`once` keys)."""
    trimmer = feeds.FeedTrimmer()

    async def trim_grown_feeds(ctx: Context, batch: Batch) -> None:
        await trimmer.trim(ctx, batch.added_to_feeds)

    hooks: list[BatchDone] = [fan_out_batch, trim_grown_feeds, queue_web_pushes]
    if pushes is None:
        return hooks

    async def pushed_beside_the_feeds(ctx: Context, batch: Batch) -> None:
        # The pushes wait on the bus (Redis, another process) and the fan-out on the store:
        # one after the other, the dispatcher sat idle through each wait in turn.
        async with asyncio.TaskGroup() as both:
            both.create_task(_in_order([pushes.tweets_sent], ctx, batch))
            both.create_task(_in_order(hooks, ctx, batch))

    return [pushed_beside_the_feeds, pushes.web_pushes_sent]


async def _in_order(hooks: list[BatchDone], ctx: Context, batch: Batch) -> None:
    for hook in hooks:
        await hook(ctx, batch)


async def queue_web_pushes(ctx: Context, batch: Batch) -> None:
    """The notifications the realtime push sent too."""
    await web_push.queue_web_pushes(ctx, batch.notifications)
