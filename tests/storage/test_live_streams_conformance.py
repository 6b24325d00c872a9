"""Storage port conformance: live streams (`LiveStreamStore`): their lifecycle, listings and
the relay's lease."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chirp.core.models import Account, Notification, Page
from chirp.core.ports.errors import MissingRecord
from chirp.storage import Store
from tests.storage.factories import event, follow, ids, make_account, now
from tests.storage.live_factories import go_live, make_stream


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
