"""The storage port: what the domain needs from a database, and nothing about how it is kept.

Each backend (`storage/sqlite`, later `storage/mongodb`) implements `Store` and must pass the
conformance suite in `tests/storage/`. Methods are atomic on their own: a use case never needs a
transaction that spans two calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, runtime_checkable

from chirp.core.models import Account, App, AuthorizationCode, Credentials, Token


class UniqueViolation(Exception):
    """A write collided with a unique key; `field` names it (`username`, `email`, ...)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} already taken")
        self.field = field


class AppStore(Protocol):
    async def create_app(self, app: App) -> None:
        """Insert a new OAuth client."""
        ...

    async def get_app(self, app_id: int) -> App | None: ...

    async def get_app_by_client_id(self, client_id: str) -> App | None: ...


class AccountStore(Protocol):
    async def create_account(self, account: Account, credentials: Credentials) -> None:
        """Insert an account and its credentials together; `UniqueViolation('username'|'email')`."""
        ...

    async def get_account(self, account_id: int) -> Account | None: ...

    async def get_accounts(self, account_ids: Iterable[int]) -> dict[int, Account]:
        """Batch load; ids not found are absent from the map."""
        ...

    async def get_account_by_username(self, username: str) -> Account | None:
        """Case-insensitive lookup."""
        ...

    async def get_credentials(self, account_id: int) -> Credentials | None: ...

    async def count_accounts(self) -> tuple[int, int]:
        """(number of accounts, sum of their statuses_count): instance statistics."""
        ...

    async def get_credentials_by_email(self, email: str) -> Credentials | None:
        """Case-insensitive lookup."""
        ...

    async def update_account_profile(
        self,
        account_id: int,
        *,
        updated_at: datetime,
        display_name: str | None = None,
        note: str | None = None,
        locked: bool | None = None,
        bot: bool | None = None,
        discoverable: bool | None = None,
    ) -> Account | None:
        """Change the given profile fields (None leaves a field as is); returns the new record."""
        ...


class TokenStore(Protocol):
    async def create_token(self, token: Token) -> None: ...

    async def get_token(self, digest: str) -> Token | None:
        """The token whose access-secret digest is `digest`, revoked or not."""
        ...

    async def get_token_by_refresh(self, refresh_digest: str) -> Token | None: ...

    async def revoke_token(self, token_id: int, revoked_at: datetime) -> bool:
        """Mark revoked; False if it already was (or does not exist)."""
        ...

    async def rotate_token(self, old_token_id: int, new: Token, revoked_at: datetime) -> bool:
        """Revoke `old` and insert `new` atomically; False (and no insert) if `old` was not live."""
        ...

    async def revoke_account_tokens(self, account_id: int, revoked_at: datetime) -> int:
        """Revoke every live token of an account; returns how many."""
        ...

    async def create_authorization_code(self, code: AuthorizationCode) -> None: ...

    async def take_authorization_code(self, digest: str) -> AuthorizationCode | None:
        """Remove and return the code: of two concurrent redemptions only one gets it."""
        ...


@runtime_checkable
class Store(AppStore, AccountStore, TokenStore, Protocol):
    """Everything the domain persists. Backends compose the per-aggregate parts."""

    async def ping(self) -> None:
        """Raise if the database is unreachable (used by health checks)."""
        ...

    async def close(self) -> None: ...
