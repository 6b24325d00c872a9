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
    stream.ended      -> (realtime push only)
    announcement.*    -> (realtime push only: `chirp.realtime.announcements`)
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

Realtime push subscribes here too, as one more step per event.
"""

from __future__ import annotations

from typing import cast

from chirp.core import (
    account_deletion,
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
from chirp.core.models import Event, Page


def _id(event: Event, key: str) -> int:
    return cast(int, event.payload[key])


async def fan_out(ctx: Context, event: Event, batch: Batch) -> None:
    """Planned per tweet, done for the whole batch by `fan_out_batch`."""
    status = await batch.status(ctx, _id(event, "status_id"))
    if status is None:
        return
    author = await batch.account(ctx, status.account_id)
    plan = await feeds.plan_fan_out(
        ctx,
        status,
        author,
        tag_followers=lambda names: batch.tag_followers(ctx, names),
        member_lists=lambda accounts: batch.member_lists(ctx, accounts),
    )
    if plan is not None:
        batch.fan_outs.append(plan)


async def fan_out_batch(ctx: Context, batch: Batch) -> None:
    plans = batch.fan_outs
    reached = await feeds.fan_out_statuses(ctx, plans)
    batch.fan_outs = []
    listed = {plan.status.id: plan.list_ids for plan in plans if plan.list_ids}
    batch.listed.update(listed)
    if listed:
        await feeds.trim_lists(ctx, {i for ids in listed.values() for i in ids})
    batch.delivered.update(reached)
    added = batch.added_to_feeds
    for owners in reached.values():
        for owner in owners:
            added[owner] = added.get(owner, 0) + 1


async def notify_new_status(ctx: Context, event: Event, batch: Batch) -> None:
    status = await batch.status(ctx, _id(event, "status_id"))
    if status is not None:
        batch.notifications += await notifications.notify_new_status(ctx, status)


async def notify_edit(ctx: Context, event: Event, batch: Batch) -> None:
    status = await batch.status(ctx, _id(event, "status_id"))
    if status is None:
        return
    batch.notifications += await notifications.notify_mentions(
        ctx, status, cast(list[int], event.payload.get("new_mentions") or [])
    )
    rebloggers = await ctx.store.list_reblogged_by(status.id, Page(limit=1000))
    for _, account_id in rebloggers:
        batch.notifications += await notifications.notify(
            ctx, account_id, "update", status.account_id, status.id
        )


async def join_conversations(ctx: Context, event: Event, batch: Batch) -> None:
    status = await batch.status(ctx, _id(event, "status_id"))
    if status is not None and status.visibility == "direct":
        batch.conversations += await direct_conversations.add_direct_tweet(ctx, status)


async def join_conversations_after_edit(ctx: Context, event: Event, batch: Batch) -> None:
    status = await batch.status(ctx, _id(event, "status_id"))
    if status is not None and status.visibility == "direct":
        new = cast(list[int], event.payload.get("new_mentions") or [])
        await direct_conversations.add_direct_tweet(ctx, status, only=new)
        # Every conversation holding it shows the edit (Mastodon leaves them as they were).
        batch.conversations += await ctx.store.conversations_with_status(status.id)


async def leave_lists_and_conversations(ctx: Context, event: Event, batch: Batch) -> None:
    deleted = cast(list[int], event.payload.get("deleted_ids") or [event.payload["status_id"]])
    await ctx.store.remove_from_list_feeds(deleted)
    if event.payload.get("visibility") == "direct":
        batch.conversations += await direct_conversations.remove_direct_tweet(
            ctx, _id(event, "status_id")
        )


async def withdraw_reblog(ctx: Context, event: Event, batch: Batch) -> None:
    original = event.payload.get("reblog_of_id")
    if original is not None:
        await notifications.withdraw(ctx, "reblog", _id(event, "account_id"), cast(int, original))


async def notify_favourite(ctx: Context, event: Event, batch: Batch) -> None:
    batch.notifications += await notifications.notify(
        ctx, _id(event, "author_id"), "favourite", _id(event, "account_id"), _id(event, "status_id")
    )


async def withdraw_favourite(ctx: Context, event: Event, batch: Batch) -> None:
    await notifications.withdraw(
        ctx, "favourite", _id(event, "account_id"), _id(event, "status_id"), _id(event, "author_id")
    )


async def notify_follow(ctx: Context, event: Event, batch: Batch) -> None:
    batch.notifications += await notifications.notify(
        ctx, _id(event, "target_account_id"), "follow", _id(event, "account_id")
    )


async def merge_followed_tweets(ctx: Context, event: Event, batch: Batch) -> None:
    owner = _id(event, "account_id")
    if merged := await feeds.merge_after_follow(ctx, owner, _id(event, "target_account_id")):
        batch.added_to_feeds[owner] = batch.added_to_feeds.get(owner, 0) + merged


async def withdraw_unfollowed_tweets(ctx: Context, event: Event, batch: Batch) -> None:
    await feeds.withdraw_after_unfollow(
        ctx, _id(event, "account_id"), _id(event, "target_account_id")
    )


async def notify_follow_request(ctx: Context, event: Event, batch: Batch) -> None:
    batch.notifications += await notifications.notify(
        ctx, _id(event, "target_account_id"), "follow_request", _id(event, "account_id")
    )


async def withdraw_follow_request(ctx: Context, event: Event, batch: Batch) -> None:
    await notifications.withdraw(
        ctx, "follow_request", _id(event, "account_id"), None, _id(event, "target_account_id")
    )


async def authorize_pending_requests(ctx: Context, event: Event, batch: Batch) -> None:
    await follow_requests.authorize_all_follow_requests(ctx, _id(event, "account_id"))


async def withdraw_unfollowed_tag_tweets(ctx: Context, event: Event, batch: Batch) -> None:
    await feeds.withdraw_after_tag_unfollow(
        ctx, _id(event, "account_id"), str(event.payload["name"])
    )


async def notify_live(ctx: Context, event: Event, batch: Batch) -> None:
    batch.notifications += await notifications.notify_live(ctx, _id(event, "stream_id"))


async def notify_poll_ended(ctx: Context, event: Event, batch: Batch) -> None:
    batch.notifications += await polls.notify_poll_ended(ctx, event)


async def remove_poll(ctx: Context, event: Event, batch: Batch) -> None:
    await polls.close_poll_of(ctx, _id(event, "status_id"))


async def fetch_link_card(ctx: Context, event: Event, batch: Batch) -> None:
    status = await batch.status(ctx, _id(event, "status_id"))
    if status is not None and ctx.card_queue is not None:
        ctx.card_queue.submit(status)


async def notify_staff_of_sign_up(ctx: Context, event: Event, batch: Batch) -> None:
    batch.notifications += await staff_notifications.notify_staff_of_sign_up(ctx, event)


async def notify_staff_of_report(ctx: Context, event: Event, batch: Batch) -> None:
    batch.notifications += await staff_notifications.notify_staff_of_report(ctx, event)


async def purge_account(ctx: Context, event: Event, batch: Batch) -> None:
    await account_deletion.purge_account(ctx, _id(event, "account_id"))


async def close_revoked_streams(ctx: Context, event: Event, batch: Batch) -> None:
    await revocation.close_revoked_streams(ctx, cast(list[int], event.payload["token_ids"]))


async def publish_scheduled(ctx: Context, event: Event, batch: Batch) -> None:
    await scheduled_statuses.publish_scheduled_tweet(ctx, event)


def default_steps() -> dict[str, list[Step]]:
    return {
        "status.created": [fan_out, notify_new_status, join_conversations, fetch_link_card],
        "status.updated": [notify_edit, join_conversations_after_edit, fetch_link_card],
        "status.deleted": [withdraw_reblog, remove_poll, leave_lists_and_conversations],
        "favourite.created": [notify_favourite],
        "favourite.removed": [withdraw_favourite],
        "follow.created": [notify_follow, merge_followed_tweets],
        "follow.removed": [withdraw_unfollowed_tweets],
        "follow_request.created": [notify_follow_request],
        "follow_request.removed": [withdraw_follow_request],
        "follow_request.authorized": [withdraw_follow_request, merge_followed_tweets],
        "account.unlocked": [authorize_pending_requests],
        "tag_follow.removed": [withdraw_unfollowed_tag_tweets],
        "stream.live": [notify_live],
        "stream.ended": [],
        "poll.voted": [],
        "poll.ended": [notify_poll_ended],
        "scheduled_status.due": [publish_scheduled],
        "account.created": [notify_staff_of_sign_up],
        "report.created": [notify_staff_of_report],
        "account.deleted": [purge_account],
        revocation.TOKENS_REVOKED: [close_revoked_streams],
        "web_push.due": [],
    }


def default_after_batch() -> list[BatchDone]:
    """In order: fan out the batch's tweets, trim the feeds that grew enough (the trimmer
    counts across batches, so one per dispatcher), queue the Web Push of its notifications."""
    trimmer = feeds.FeedTrimmer()

    async def trim_grown_feeds(ctx: Context, batch: Batch) -> None:
        await trimmer.trim(ctx, batch.added_to_feeds)

    return [fan_out_batch, trim_grown_feeds, queue_web_pushes]


async def queue_web_pushes(ctx: Context, batch: Batch) -> None:
    """Read, not taken: the realtime push sends the same notifications afterwards."""
    await web_push.queue_web_pushes(ctx, batch.notifications)
