"""Storage port conformance: stream keys (`LiveKeyStore`)."""

from __future__ import annotations

import pytest

from chirp.core.models import StreamKey
from chirp.core.ports.errors import MissingRecord
from chirp.storage import Store
from tests.storage.factories import ids, make_account, now


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
