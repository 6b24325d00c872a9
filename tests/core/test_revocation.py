"""Token revocation is a domain event (`token.revoked`); its side effect closes the streams the
tokens opened, on every node, through the bus. A real in-memory SQLite store, bus and dispatcher."""

from __future__ import annotations

from chirp.bus.memory import MemoryBus
from chirp.core import moderation, sessions, topics
from chirp.core.context import Context
from chirp.core.dispatch import Dispatcher
from chirp.core.models import Principal
from chirp.core.ports.bus import Message
from chirp.core.revocation import TOKENS_REVOKED
from chirp.core.side_effects import default_after_batch, default_steps
from tests.storage.factories import make_account, make_app, make_token


async def _listening(ctx: Context, token_ids: list[int]) -> list[tuple[str, Message]]:
    bus = MemoryBus()
    heard: list[tuple[str, Message]] = []
    await bus.start(lambda names, message: heard.extend((n, message) for n in sorted(names)))
    for token_id in token_ids:
        await bus.listen(topics.token(token_id))
    ctx.bus = bus
    return heard


async def test_revoking_a_session_records_the_event_and_closes_its_streams(ctx: Context) -> None:
    app = await make_app(ctx.store)
    alice = await make_account(ctx.store)
    mine, other = make_token(app, alice), make_token(app, alice)
    for token in (mine, other):
        await ctx.store.create_token(token)
    heard = await _listening(ctx, [mine.id, other.id])
    as_alice = Principal(token=other, app=app, account=alice)
    await sessions.revoke_session(ctx, as_alice, sessions.session_id(mine))
    assert heard == []  # the write and its event; the streams close when the event is handled

    (event,) = await ctx.store.claim_events(limit=10, now=ctx.now(), lease_seconds=60)
    assert (event.kind, event.payload) == (TOKENS_REVOKED, {"token_ids": [mine.id]})
    await ctx.store.retry_event(event.id, available_at=ctx.now())
    await Dispatcher(ctx, default_steps(), after_batch=default_after_batch()).drain()
    assert [(name, m.event) for name, m in heard] == [(topics.token(mine.id), topics.REVOKED)]
    assert await ctx.store.claim_events(limit=10, now=ctx.now(), lease_seconds=60) == []


async def test_disabling_an_account_closes_every_stream_it_opened(ctx: Context) -> None:
    app = await make_app(ctx.store)
    alice = await make_account(ctx.store)
    first, second = make_token(app, alice), make_token(app, alice)
    for token in (first, second):
        await ctx.store.create_token(token)
    heard = await _listening(ctx, [first.id, second.id])
    assert await moderation.revoke_sessions(ctx, alice.id, revoke=False) == 2
    await Dispatcher(ctx, default_steps(), after_batch=default_after_batch()).drain()
    assert sorted(name for name, _ in heard) == sorted(
        [topics.token(first.id), topics.token(second.id)]
    )
    # Disabling closes the streams but leaves the tokens as they were (`enable` restores them).
    assert (await ctx.store.get_token(first.digest)).revoked_at is None  # type: ignore[union-attr]
