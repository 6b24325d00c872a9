"""Sessions: which of an account's tokens are sessions, their opaque ids, revoking one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chirp.core import sessions
from chirp.core.context import Context
from chirp.core.errors import NotFound
from chirp.core.models import Principal
from tests.storage.factories import make_account, make_app, make_token


async def test_expired_tokens_are_sessions_only_while_refreshable(ctx: Context) -> None:
    app = await make_app(ctx.store)
    alice = await make_account(ctx.store)
    current = make_token(app, alice)
    an_hour_ago = current.created_at - timedelta(hours=1)
    refreshable = replace(make_token(app, alice, refresh="r"), expires_at=an_hour_ago)
    dead = replace(make_token(app, alice), expires_at=an_hour_ago)
    for token in (current, refreshable, dead):
        await ctx.store.create_token(token)
    me = Principal(token=current, app=app, account=alice)
    found = await sessions.list_sessions(ctx, me)
    assert [s.id for s in found] == [
        sessions.session_id(refreshable),
        sessions.session_id(current),
    ]
    assert [s.current for s in found] == [False, True]
    assert all(len(s.id) == 32 and current.digest not in s.id for s in found)


async def test_revoke_only_your_own(ctx: Context) -> None:
    app = await make_app(ctx.store)
    alice, bob = await make_account(ctx.store), await make_account(ctx.store)
    mine, bobs = make_token(app, alice), make_token(app, bob)
    for token in (mine, bobs):
        await ctx.store.create_token(token)
    as_alice = Principal(token=mine, app=app, account=alice)
    with pytest.raises(NotFound):
        await sessions.revoke_session(ctx, as_alice, sessions.session_id(bobs))
    assert (await ctx.store.get_token(bobs.digest)).revoked_at is None  # type: ignore[union-attr]
    await sessions.revoke_session(ctx, as_alice, sessions.session_id(mine))
    assert (await ctx.store.get_token(mine.digest)).revoked_at is not None  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        await sessions.revoke_session(ctx, as_alice, sessions.session_id(mine))
