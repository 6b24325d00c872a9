"""Storage port conformance: live streams, stream keys, viewer heartbeats, chat and chat bans."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chirp.core.models import Account, ChatMessage, LiveStream, Notification, Page, StreamKey
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.live_chat import ChatBanned, ChatRateLimited
from chirp.storage import Store
from tests.storage.factories import event, follow, ids, make_account, now


async def make_stream(
    store: Store, owner: Account, *, visibility: str = "public", title: str = "hello"
) -> LiveStream:
    stream = LiveStream(
        id=ids.next_id(),
        account_id=owner.id,
        title=title,
        visibility=visibility,
        state="created",
        created_at=now(),
    )
    await store.create_live_stream(stream)
    return stream


async def go_live(store: Store, stream: LiveStream) -> LiveStream:
    started = await store.start_live_stream(
        stream.id, now(), event=event("stream.live", stream_id=stream.id)
    )
    assert started is not None
    return started


def chat(stream: LiveStream, author: Account, text: str = "hi") -> ChatMessage:
    return ChatMessage(
        id=ids.next_id(), stream_id=stream.id, account_id=author.id, text=text, created_at=now()
    )


async def test_stream_round_trip_and_batch(store: Store) -> None:
    alice = await make_account(store)
    stream = await make_stream(store, alice, visibility="private", title="Cooking 🍳")
    assert await store.get_live_stream(stream.id) == stream
    assert await store.get_live_stream(ids.next_id()) is None
    found = await store.get_live_streams([stream.id, ids.next_id()])
    assert found == {stream.id: stream}
    assert await store.get_live_streams([]) == {}


async def test_stream_of_missing_account_is_refused(store: Store) -> None:
    ghost = Account(id=ids.next_id(), username="ghost", display_name="", note="", created_at=now())
    with pytest.raises(MissingRecord):
        await make_stream(store, ghost)


async def test_start_and_end_move_state_once_and_record_events(store: Store) -> None:
    alice = await make_account(store)
    stream = await make_stream(store, alice)
    at = now()
    started = await store.start_live_stream(stream.id, at, event=event("stream.live"))
    assert started is not None
    assert (started.state, started.started_at) == ("live", at)
    assert await store.start_live_stream(stream.id, now(), event=event("stream.live")) is None
    claimed = await store.claim_events(limit=10, now=now() + timedelta(seconds=1), lease_seconds=5)
    assert [e.kind for e in claimed] == ["stream.live"]
    await store.complete_events([e.id for e in claimed])

    ended_at = now()
    ended = await store.end_live_stream(stream.id, ended_at, event=event("stream.ended"))
    assert ended is not None
    assert (ended.state, ended.ended_at, ended.started_at) == ("ended", ended_at, at)
    assert await store.end_live_stream(stream.id, now(), event=event("stream.ended")) is None
    assert await store.start_live_stream(stream.id, now(), event=event("stream.live")) is None
    claimed = await store.claim_events(limit=10, now=now() + timedelta(seconds=1), lease_seconds=5)
    assert [e.kind for e in claimed] == ["stream.ended"]
    missing = await store.end_live_stream(ids.next_id(), now(), event=event("stream.ended"))
    assert missing is None


async def test_a_stream_never_live_can_end(store: Store) -> None:
    alice = await make_account(store)
    stream = await make_stream(store, alice)
    ended = await store.end_live_stream(stream.id, now(), event=event("stream.ended"))
    assert ended is not None and ended.state == "ended" and ended.started_at is None


async def test_list_live_streams_global_and_followed(store: Store) -> None:
    alice, bob, carol, dave = [await make_account(store) for _ in range(4)]
    created_only = await make_stream(store, alice)
    a = await go_live(store, await make_stream(store, alice))
    b = await go_live(store, await make_stream(store, bob, visibility="private"))
    c = await go_live(store, await make_stream(store, carol))
    finished = await go_live(store, await make_stream(store, carol))
    await store.end_live_stream(finished.id, now(), event=event("stream.ended"))

    everything = await store.list_live_streams(Page(limit=10))
    assert [s.id for s in everything] == [c.id, b.id, a.id]
    assert created_only.id not in {s.id for s in everything}
    assert [s.id for s in await store.list_live_streams(Page(limit=2))] == [c.id, b.id]
    older = await store.list_live_streams(Page(limit=10, max_id=b.id))
    assert [s.id for s in older] == [a.id]
    newer = await store.list_live_streams(Page(limit=1, min_id=a.id))
    assert [s.id for s in newer] == [b.id]

    await follow(store, dave, alice)
    await follow(store, dave, bob)
    followed = await store.list_live_streams(Page(limit=10), followed_by=dave.id)
    assert [s.id for s in followed] == [b.id, a.id]
    assert await store.list_live_streams(Page(limit=10), followed_by=carol.id) == []


async def test_publishable_stream_prefers_live_then_newest_created(store: Store) -> None:
    alice = await make_account(store)
    assert await store.publishable_stream(alice.id) is None
    first = await make_stream(store, alice)
    second = await make_stream(store, alice)
    publishable = await store.publishable_stream(alice.id)
    assert publishable is not None and publishable.id == second.id
    await go_live(store, first)
    await make_stream(store, alice)
    publishable = await store.publishable_stream(alice.id)
    assert publishable is not None and publishable.id == first.id
    for stream in (first, second):
        await store.end_live_stream(stream.id, now(), event=event("stream.ended"))
    publishable = await store.publishable_stream(alice.id)
    assert publishable is not None and publishable.state == "created"


async def test_stream_keys_are_set_replaced_and_found_by_digest(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    assert await store.get_stream_key(alice.id) is None
    key = StreamKey(alice.id, "a" * 64, now())
    await store.set_stream_key(key)
    assert await store.get_stream_key(alice.id) == key
    assert await store.find_stream_key("a" * 64) == key
    rotated = StreamKey(alice.id, "b" * 64, now())
    await store.set_stream_key(rotated)
    assert await store.get_stream_key(alice.id) == rotated
    assert await store.find_stream_key("a" * 64) is None
    assert await store.find_stream_key("b" * 64) == rotated
    await store.set_stream_key(StreamKey(bob.id, "c" * 64, now()))
    assert (await store.find_stream_key("b" * 64)) == rotated
    ghost = StreamKey(ids.next_id(), "d" * 64, now())
    with pytest.raises(MissingRecord):
        await store.set_stream_key(ghost)


async def test_viewer_heartbeats_count_recent_viewers_once(store: Store) -> None:
    alice = await make_account(store)
    stream = await go_live(store, await make_stream(store, alice))
    other = await go_live(store, await make_stream(store, alice))
    t = now()
    since = t - timedelta(seconds=30)
    assert await store.record_viewer(stream.id, "viewer-1", t, active_since=since) == 1
    assert await store.record_viewer(stream.id, "viewer-1", t, active_since=since) == 1
    assert await store.record_viewer(stream.id, "viewer-2", t, active_since=since) == 2
    assert await store.record_viewer(other.id, "viewer-1", t, active_since=since) == 1
    old = t - timedelta(seconds=60)
    assert await store.record_viewer(stream.id, "stale", old, active_since=since) == 2
    later = t + timedelta(seconds=40)
    counts = await store.count_live_viewers(t - timedelta(seconds=10))
    assert counts == {stream.id: 2, other.id: 1}
    assert await store.count_live_viewers(later - timedelta(seconds=30)) == {
        stream.id: 0,
        other.id: 0,
    }
    # A newer heartbeat of the same viewer moves it forward; an older one never moves it back.
    assert await store.record_viewer(stream.id, "viewer-1", later, active_since=later) == 1
    assert await store.record_viewer(stream.id, "viewer-1", t, active_since=later) == 1
    with pytest.raises(MissingRecord):
        await store.record_viewer(ids.next_id(), "viewer-1", t, active_since=since)


async def test_ended_streams_drop_out_of_viewer_counts(store: Store) -> None:
    alice = await make_account(store)
    stream = await go_live(store, await make_stream(store, alice))
    t = now()
    await store.record_viewer(stream.id, "v", t, active_since=t - timedelta(seconds=30))
    assert await store.set_viewers_count(stream.id, 1)
    await store.end_live_stream(stream.id, now(), event=event("stream.ended"))
    assert await store.count_live_viewers(t - timedelta(seconds=30)) == {}
    ended = await store.get_live_stream(stream.id)
    assert ended is not None and ended.viewers_count == 0


async def test_set_viewers_count_reports_changes_only(store: Store) -> None:
    alice = await make_account(store)
    stream = await make_stream(store, alice)
    assert not await store.set_viewers_count(stream.id, 0)
    assert await store.set_viewers_count(stream.id, 3)
    assert not await store.set_viewers_count(stream.id, 3)
    loaded = await store.get_live_stream(stream.id)
    assert loaded is not None and loaded.viewers_count == 3
    assert not await store.set_viewers_count(ids.next_id(), 1)


async def test_chat_messages_add_list_delete(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    stream = await go_live(store, await make_stream(store, alice))
    window = now() - timedelta(seconds=5)
    sent = [chat(stream, bob, f"message {n} <b>") for n in range(3)]
    for message in sent:
        await store.add_chat_message(message, window_start=window, window_limit=5)
    assert await store.get_chat_message(sent[0].id) == sent[0]
    listed = await store.list_chat_messages(stream.id, Page(limit=10))
    assert listed == sent[::-1]
    assert await store.list_chat_messages(stream.id, Page(limit=1, max_id=sent[2].id)) == [sent[1]]
    assert await store.delete_chat_message(sent[1].id, now())
    assert not await store.delete_chat_message(sent[1].id, now())
    assert await store.get_chat_message(sent[1].id) is None
    listed = await store.list_chat_messages(stream.id, Page(limit=10))
    assert [m.id for m in listed] == [sent[2].id, sent[0].id]
    with pytest.raises(MissingRecord):
        await store.add_chat_message(
            ChatMessage(ids.next_id(), ids.next_id(), bob.id, "x", now()),
            window_start=window,
            window_limit=5,
        )


async def test_chat_rate_limit_counts_deleted_messages_per_stream(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    stream = await go_live(store, await make_stream(store, alice))
    other = await go_live(store, await make_stream(store, carol))
    window = timedelta(seconds=5)
    sent = []
    for _ in range(3):
        message = chat(stream, bob)
        await store.add_chat_message(message, window_start=now() - window, window_limit=3)
        sent.append(message)
    await store.delete_chat_message(sent[0].id, now())
    refused = chat(stream, bob)
    with pytest.raises(ChatRateLimited) as limited:
        await store.add_chat_message(refused, window_start=now() - window, window_limit=3)
    retry_at = limited.value.retry_at
    assert refused.created_at < retry_at <= refused.created_at + window
    assert await store.get_chat_message(refused.id) is None
    # Other senders and other streams have their own allowance.
    await store.add_chat_message(chat(stream, carol), window_start=now() - window, window_limit=3)
    await store.add_chat_message(chat(other, bob), window_start=now() - window, window_limit=3)
    # Once the window has moved past them, the sender may write again.
    later = chat(stream, bob)
    await store.add_chat_message(
        later, window_start=later.created_at + timedelta(milliseconds=1), window_limit=3
    )


async def test_chat_bans_hold_for_every_stream_of_the_streamer(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    stream = await go_live(store, await make_stream(store, alice))
    later_stream = await make_stream(store, alice)
    carols = await go_live(store, await make_stream(store, carol))
    window = now() - timedelta(seconds=5)
    assert not await store.is_banned_from_chat(alice.id, bob.id)
    assert await store.ban_from_chat(alice.id, bob.id, now())
    assert not await store.ban_from_chat(alice.id, bob.id, now())
    assert await store.is_banned_from_chat(alice.id, bob.id)
    for target in (stream, later_stream):
        with pytest.raises(ChatBanned):
            await store.add_chat_message(chat(target, bob), window_start=window, window_limit=5)
    await store.add_chat_message(chat(carols, bob), window_start=window, window_limit=5)
    assert await store.unban_from_chat(alice.id, bob.id)
    assert not await store.unban_from_chat(alice.id, bob.id)
    await store.add_chat_message(chat(stream, bob), window_start=window, window_limit=5)
    with pytest.raises(MissingRecord):
        await store.ban_from_chat(alice.id, ids.next_id(), now())


async def test_live_notifications_point_at_a_stream_once_per_stream(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    first = await make_stream(store, alice)
    second = await make_stream(store, alice)

    def live_note(stream_id: int) -> Notification:
        return Notification(
            ids.next_id(), bob.id, "chirp.live", alice.id, now(), stream_id=stream_id
        )

    added = await store.add_notifications([live_note(first.id), live_note(second.id)])
    assert len(added) == 2
    assert await store.add_notifications([live_note(first.id)]) == []
    assert await store.add_notifications([live_note(ids.next_id())]) == []
    listed = await store.list_notifications(bob.id, Page(limit=10))
    assert [(n.stream_id, n.status_id) for n in listed] == [(second.id, None), (first.id, None)]
    assert await store.get_notification(bob.id, added[0].id) == added[0]


async def test_relay_leases_find_abandoned_live_streams(store: Store) -> None:
    alice = await make_account(store)
    kept = await go_live(store, await make_stream(store, alice))
    lost = await go_live(store, await make_stream(store, alice))
    waiting = await make_stream(store, alice)
    assert lost.started_at is not None
    later = lost.started_at + timedelta(seconds=60)
    await store.renew_relay_lease([kept.id, waiting.id], later)
    await store.renew_relay_lease([], later)
    cutoff = later - timedelta(seconds=1)
    assert await store.abandoned_live_streams(cutoff, limit=10) == [lost.id]
    assert await store.abandoned_live_streams(later + timedelta(seconds=1), limit=1) == [kept.id]
    await store.end_live_stream(lost.id, now(), event=event("stream.ended"))
    assert await store.abandoned_live_streams(cutoff, limit=10) == []
    # A stream that has not gone live holds no lease, and renewing gives it none.
    assert waiting.id not in await store.abandoned_live_streams(later + timedelta(days=1), limit=10)
