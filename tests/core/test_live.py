"""Live-stream use cases on a real in-memory SQLite store: who may watch, the publish grant,
viewer counts over time, the chat window, and what is handed to the realtime side.

The clock is faked (as in test_dispatch) so heartbeats expire and the chat window moves without
sleeping; `RecordingLivePush` stands in for the realtime port and only records its calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from chirp.core import follows, live
from chirp.core.accounts import SignUp, register_account
from chirp.core.errors import Forbidden, InvalidInput, NotFound, RateLimited
from chirp.core.models import Account, ChatMessage
from chirp.storage import Store, open_store
from tests.core.test_dispatch import ClockedContext, context
from tests.helpers import PASSWORD, make_settings
from tests.storage.factories import make_app


class RecordingLivePush:
    def __init__(self) -> None:
        self.chats: list[ChatMessage] = []
        self.deleted: list[tuple[int, int]] = []
        self.viewers: list[int] = []

    async def chat(self, message: ChatMessage) -> None:
        self.chats.append(message)

    async def chat_deleted(self, stream_id: int, message_id: int) -> None:
        self.deleted.append((stream_id, message_id))

    def viewers_changed(self, stream_id: int) -> None:
        self.viewers.append(stream_id)


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    store = await open_store("sqlite://:memory:")
    yield store
    await store.close()


@pytest.fixture
def push() -> RecordingLivePush:
    return RecordingLivePush()


@pytest.fixture
def ctx(store: Store, push: RecordingLivePush) -> ClockedContext:
    made = context(store)
    made.live_push = push
    return made


async def user(ctx: ClockedContext, name: str) -> Account:
    app = await make_app(ctx.store)
    return await register_account(
        ctx,
        app,
        SignUp(username=name, email=f"{name}@example.com", password=PASSWORD, agreement=True),
    )


async def test_who_may_watch(ctx: ClockedContext) -> None:
    alice, bob, carol = [await user(ctx, n) for n in ("alice", "bob", "carol")]
    await follows.follow(ctx, bob, alice.id)
    public = await live.create_stream(ctx, alice, "open", "public")
    private = await live.create_stream(ctx, alice, "friends", "private")
    for viewer in (None, alice.id, bob.id, carol.id):
        assert await live.can_watch(ctx, viewer, public)
    assert await live.can_watch(ctx, alice.id, private)
    assert await live.can_watch(ctx, bob.id, private)
    assert not await live.can_watch(ctx, carol.id, private)
    assert not await live.can_watch(ctx, None, private)
    assert await live.watchable_ids(ctx, carol.id, [public, private]) == {public.id}
    with pytest.raises(NotFound):
        await live.get_stream(ctx, carol.id, private.id)


async def test_titles_are_one_trimmed_line(ctx: ClockedContext) -> None:
    alice = await user(ctx, "alice")
    stream = await live.create_stream(ctx, alice, "\tMorning\r\n\n run  🏃\u2028", "public")
    assert stream.title == "Morning run 🏃"
    for bad in ("", "\n\t ", "x" * 201):
        with pytest.raises(InvalidInput):
            await live.create_stream(ctx, alice, bad, "public")
    with pytest.raises(InvalidInput):
        await live.create_stream(ctx, alice, "ok", "unlisted")


async def test_the_hooks_grant_the_key_holders_stream(ctx: ClockedContext) -> None:
    alice = await user(ctx, "alice")
    hooks = live.LiveService(lambda: ctx)
    secret, key = await live.rotate_stream_key(ctx, alice)
    assert key.digest != secret and len(key.digest) == 64
    assert await hooks.authorize(secret) is None  # nothing to publish to yet
    stream = await live.create_stream(ctx, alice, "show", "private")
    grant = await hooks.authorize(secret)
    assert grant is not None and (grant.stream_id, grant.private) == (stream.id, True)
    assert await hooks.authorize_account(alice.id) == grant

    await hooks.went_live(stream.id)
    started = await ctx.store.get_live_stream(stream.id)
    assert started is not None and started.state == "live"
    await hooks.ended(stream.id)
    await hooks.ended(stream.id)  # idempotent
    ended = await ctx.store.get_live_stream(stream.id)
    assert ended is not None and ended.state == "ended"
    assert await hooks.authorize(secret) is None  # ended streams take no publisher


async def test_viewer_counts_follow_heartbeats_and_expire(
    ctx: ClockedContext, push: RecordingLivePush
) -> None:
    alice = await user(ctx, "alice")
    stream = await live.create_stream(ctx, alice, "show", "public")
    assert await live.heartbeat(ctx, None, stream.id, "player-aaaaaaaaaaaa") == 0
    await live.start_stream(ctx, stream.id)
    assert await live.heartbeat(ctx, None, stream.id, "player-aaaaaaaaaaaa") == 1
    assert await live.heartbeat(ctx, alice.id, stream.id, "player-bbbbbbbbbbbb") == 2
    assert await live.heartbeat(ctx, None, stream.id, "player-aaaaaaaaaaaa") == 2
    assert push.viewers == [stream.id, stream.id]  # pushed on changes only
    assert await live.refresh_viewer_counts(ctx) == []

    ctx.advance(seconds=20)
    assert await live.heartbeat(ctx, alice.id, stream.id, "player-bbbbbbbbbbbb") == 2
    ctx.advance(seconds=15)  # the anonymous player went quiet 35 s ago
    assert await live.refresh_viewer_counts(ctx) == [stream.id]
    loaded = await ctx.store.get_live_stream(stream.id)
    assert loaded is not None and loaded.viewers_count == 1
    ctx.advance(seconds=30)
    assert await live.refresh_viewer_counts(ctx) == [stream.id]
    assert await live.refresh_viewer_counts(ctx) == []
    with pytest.raises(InvalidInput):
        await live.heartbeat(ctx, None, stream.id, "no")


async def test_chat_window_reopens_as_time_passes(
    ctx: ClockedContext, push: RecordingLivePush
) -> None:
    alice, bob = await user(ctx, "alice"), await user(ctx, "bob")
    stream = await live.create_stream(ctx, alice, "show", "public")
    for n in range(5):
        await live.send_chat(ctx, bob, stream.id, f"message {n}")
    with pytest.raises(RateLimited) as limited:
        await live.send_chat(ctx, bob, stream.id, "one too many")
    assert 1 <= limited.value.retry_after <= 5 and limited.value.status == 429
    ctx.advance(seconds=5.1)
    await live.send_chat(ctx, bob, stream.id, "later")
    assert [m.text for m in push.chats][-1] == "later" and len(push.chats) == 6


async def test_chat_deletion_and_bans(ctx: ClockedContext, push: RecordingLivePush) -> None:
    alice, bob, carol = [await user(ctx, n) for n in ("alice", "bob", "carol")]
    stream = await live.create_stream(ctx, alice, "show", "public")
    message = await live.send_chat(ctx, bob, stream.id, "hi\x07 there\n")
    assert message.text == "hi there"
    with pytest.raises(Forbidden):
        await live.delete_chat(ctx, carol, stream.id, message.id)
    await live.delete_chat(ctx, alice, stream.id, message.id)
    assert push.deleted == [(stream.id, message.id)]
    with pytest.raises(NotFound):
        await live.delete_chat(ctx, alice, stream.id, message.id)

    with pytest.raises(Forbidden):
        await live.ban_from_chat(ctx, carol, stream.id, bob.id)
    await live.ban_from_chat(ctx, alice, stream.id, bob.id)
    with pytest.raises(Forbidden):
        await live.send_chat(ctx, bob, stream.id, "let me talk")
    await live.unban_from_chat(ctx, alice, stream.id, bob.id)
    await live.send_chat(ctx, bob, stream.id, "thanks")


async def test_streams_whose_relay_died_are_ended(ctx: ClockedContext) -> None:
    alice = await user(ctx, "alice")
    relayed = await live.create_stream(ctx, alice, "here", "public")
    orphan = await live.create_stream(ctx, alice, "node died", "public")
    for stream in (relayed, orphan):
        await live.start_stream(ctx, stream.id)
    assert await live.renew_relay_leases(ctx, [relayed.id]) == []
    ctx.advance(seconds=45)
    assert await live.renew_relay_leases(ctx, [relayed.id]) == []
    ctx.advance(seconds=20)  # the orphan's lease is 65 s old, past the 60 s lease
    assert await live.renew_relay_leases(ctx, [relayed.id]) == [orphan.id]
    ended = await ctx.store.get_live_stream(orphan.id)
    assert ended is not None and ended.state == "ended"
    claimed = await ctx.store.claim_events(limit=10, now=ctx.now(), lease_seconds=5)
    assert [e.kind for e in claimed].count("stream.ended") == 1  # followers hear it
    still = await ctx.store.get_live_stream(relayed.id)
    assert still is not None and still.state == "live"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"rtmp_port": 0}, None),
        ({"rtmp_port": 1935, "public_url": "https://chirp.example.com"}, "rtmp://chirp.example.com:1935/live"),
        ({"rtmp_port": 1936, "public_url": "http://[::1]:8080"}, "rtmp://[::1]:1936/live"),
        ({"rtmp_port": 0, "live_rtmp_url": "rtmp://ingest.example.com/live/"}, "rtmp://ingest.example.com/live"),
    ],
)  # fmt: skip
def test_rtmp_url(store: Store, settings: dict[str, Any], expected: str | None) -> None:
    made = context(store)
    made.settings = make_settings(**settings)
    assert live.rtmp_url(made) == expected
