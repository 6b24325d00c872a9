"""Storage port conformance: a streamer's chat moderators and bans
(`LiveChatModerationStore`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.live_chat import ChatBanned
from chirp.storage import Store
from tests.storage.factories import ids, make_account, now
from tests.storage.live_factories import chat, go_live, make_stream


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
