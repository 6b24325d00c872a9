"""Storage port conformance: live viewers (`LiveViewerStore`): heartbeats, the pushed count,
its history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chirp.core.ports.errors import MissingRecord
from chirp.storage import Store
from tests.storage.factories import event, ids, make_account, now
from tests.storage.live_factories import go_live, make_stream


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


async def test_viewer_history_keeps_each_minutes_peak(store: Store) -> None:
    alice = await make_account(store)
    stream = await go_live(store, await make_stream(store, alice))
    other = await go_live(store, await make_stream(store, alice))
    minute = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    later = minute + timedelta(minutes=1)
    await store.record_viewer_counts({stream.id: 3, other.id: 1}, minute)
    await store.record_viewer_counts({stream.id: 7}, minute)  # another node, a higher sample
    await store.record_viewer_counts({stream.id: 2}, minute)  # a lower one: the peak stays
    await store.record_viewer_counts({stream.id: 0, ids.next_id(): 5}, later)  # a gone stream
    await store.record_viewer_counts({}, later)
    assert await store.viewer_count_history(stream.id, limit=10) == [(minute, 7), (later, 0)]
    assert await store.viewer_count_history(stream.id, limit=1) == [(later, 0)]
    assert await store.viewer_count_history(other.id, limit=10) == [(minute, 1)]
    assert await store.viewer_count_history(ids.next_id(), limit=10) == []
