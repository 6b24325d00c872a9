"""OAuth access tokens and authorization codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chirp.core.models import Account, AccountModeration, App, AuthorizationCode, Event, Token


@dataclass(frozen=True, slots=True)
class TokenOwners:
    """A token with its app and account (None if gone, or an app-only token), and what
    moderators decided about that account (None: nothing): all bearer auth needs."""

    token: Token
    app: App | None
    account: Account | None
    moderation: AccountModeration | None = None


class TokenStore(Protocol):
    async def create_token(self, token: Token) -> None: ...

    async def get_token(self, digest: str) -> Token | None:
        """The token whose access-secret digest is `digest`, revoked or not."""
        ...

    async def get_token_with_owners(self, digest: str) -> TokenOwners | None:
        """`get_token` with its app, account and the account's moderation, in one round trip:
        bearer auth, on every authenticated request."""
        ...

    async def get_token_by_refresh(self, refresh_digest: str) -> Token | None: ...

    async def revoke_token(
        self, token_id: int, revoked_at: datetime, *, event: Event | None = None
    ) -> bool:
        """Mark revoked, recording `event` with it; False (and no write) if it already was (or
        does not exist)."""
        ...

    async def rotate_token(
        self, old_token_id: int, new: Token, revoked_at: datetime, *, event: Event | None = None
    ) -> bool:
        """Revoke `old`, insert `new` and record `event` atomically; False (and no write) if
        `old` was not live."""
        ...

    async def revoke_account_tokens(
        self, account_id: int, revoked_at: datetime, *, event: Event | None = None
    ) -> int:
        """Revoke every live token of an account, recording `event` with them (not when there
        was none); returns how many."""
        ...

    async def list_account_tokens(self, account_id: int) -> list[tuple[Token, App | None]]:
        """The account's unrevoked tokens (expired ones too) with their apps, newest first."""
        ...

    async def create_authorization_code(self, code: AuthorizationCode) -> None: ...

    async def take_authorization_code(self, digest: str) -> AuthorizationCode | None:
        """Remove and return the code: of two concurrent redemptions only one gets it."""
        ...
