"""Live streams and chat messages for the live conformance suites."""

from __future__ import annotations

from chirp.core.models import Account, ChatMessage, LiveStream
from chirp.storage import Store
from tests.storage.factories import event, ids, now


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
