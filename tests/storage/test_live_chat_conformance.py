"""Storage port conformance: live chat (`LiveChatStore`): messages and their rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chirp.core.models import ChatMessage, Page
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.live_chat import ChatRateLimited
from chirp.storage import Store
from tests.storage.factories import ids, make_account, now
from tests.storage.live_factories import chat, go_live, make_stream


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
