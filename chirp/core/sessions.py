"""Sessions: the OAuth tokens a person has signed in with (a Chirp extension; Mastodon's API
lists none), so they can see every signed-in app and sign any of them out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from chirp.core.context import Context
from chirp.core.errors import NotFound
from chirp.core.models import App, Principal, Token
from chirp.core.revocation import tokens_revoked


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    app: App | None
    scopes: tuple[str, ...]
    created_at: datetime
    current: bool


def session_id(token: Token) -> str:
    """An opaque handle: derived from the token's secret digest, so nobody can guess another
    account's, yet it reveals neither the token nor its digest, and the snowflake stays private."""
    return hashlib.sha256(b"chirp-session:" + token.digest.encode()).hexdigest()[:32]


def _usable(token: Token, now: datetime) -> bool:
    # An expired access token whose refresh token still works is a signed-in session.
    return token.is_live(now) or (token.revoked_at is None and token.refresh_digest is not None)


async def list_sessions(ctx: Context, principal: Principal) -> list[Session]:
    """The signed-in account's sessions, newest first; the requesting token is `current`."""
    assert principal.account is not None
    now = ctx.now()
    return [
        Session(
            id=session_id(token),
            app=app,
            scopes=token.scopes,
            created_at=token.created_at,
            current=token.id == principal.token.id,
        )
        for token, app in await ctx.store.list_account_tokens(principal.account.id)
        if _usable(token, now)
    ]


async def revoke_session(ctx: Context, principal: Principal, id: str) -> None:
    """Sign one of the account's own sessions out; another account's (or unknown) id is 404."""
    assert principal.account is not None
    for token, _ in await ctx.store.list_account_tokens(principal.account.id):
        if session_id(token) == id:
            event = tokens_revoked(ctx, [token.id])
            if await ctx.store.revoke_token(token.id, ctx.now(), event=event):
                ctx.wake_dispatcher()
            return
    raise NotFound("Record not found")
