"""Accounts, their credentials and profile images, and instance-wide counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from chirp.core.models import Account, Credentials, Event, ProfileField


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

    async def get_accounts_by_usernames(self, usernames: Iterable[str]) -> dict[str, Account]:
        """Batch case-insensitive lookup, keyed by lower-cased username."""
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
        fields: Sequence[ProfileField] | None = None,
        default_privacy: str | None = None,
        default_sensitive: bool | None = None,
        default_language: str | None = None,
        event: Event | None = None,
    ) -> Account | None:
        """Change the given profile fields (None leaves a field as is; an empty
        `default_language` clears it) and record `event` with them, if any; returns the new
        record."""
        ...


class ProfileImageStore(Protocol):
    async def set_profile_image(
        self, account_id: int, kind: str, key: str | None, url: str | None, updated_at: datetime
    ) -> tuple[Account, str | None] | None:
        """Point the account's `avatar` or `header` (`kind`) at the blob `key` served at `url`
        (None: back to the default picture); returns the new record and the key it replaced,
        None if the account is gone."""
        ...


class InstanceStatsStore(Protocol):
    async def count_active_accounts(self, since: datetime) -> int:
        """Accounts that posted at or after `since` (their `last_status_at`): the active users
        the instance documents and NodeInfo report."""
        ...
