"""Storage port conformance: a streamer's chat moderators, and viewer count history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chirp.core.ports.errors import MissingRecord
from chirp.storage import Store
from tests.storage.factories import ids, make_account, now
from tests.storage.test_live_conformance import go_live, make_stream


async def test_moderators_are_appointed_per_streamer(store: Store) -> None:
    alice, bob, carol, dave = [await make_account(store) for _ in range(4)]
    assert await store.list_chat_moderators(alice.id, limit=10) == []
    assert not await store.is_chat_moderator(alice.id, bob.id)
    start = now()
    assert await store.add_chat_moderator(alice.id, bob.id, start)
    assert not await store.add_chat_moderator(alice.id, bob.id, start + timedelta(seconds=1))
    assert await store.add_chat_moderator(alice.id, carol.id, start + timedelta(seconds=2))
    assert await store.add_chat_moderator(dave.id, carol.id, start)
    assert await store.is_chat_moderator(alice.id, bob.id)
    assert not await store.is_chat_moderator(bob.id, alice.id)  # not the other way round
    assert await store.list_chat_moderators(alice.id, limit=10) == [bob.id, carol.id]
    assert await store.list_chat_moderators(alice.id, limit=1) == [bob.id]
    assert await store.list_chat_moderators(dave.id, limit=10) == [carol.id]
    assert await store.remove_chat_moderator(alice.id, bob.id)
    assert not await store.remove_chat_moderator(alice.id, bob.id)
    assert not await store.is_chat_moderator(alice.id, bob.id)
    assert await store.list_chat_moderators(alice.id, limit=10) == [carol.id]
    with pytest.raises(MissingRecord):
        await store.add_chat_moderator(alice.id, ids.next_id(), now())


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
