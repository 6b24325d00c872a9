"""Blocks and mutes between accounts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chirp.core.models import AccountBlock, AccountMute, Page


@dataclass(slots=True)
class Shunning:
    """How one account and some others block and mute each other (mutes still in force)."""

    blocking: set[int] = field(default_factory=set)  # the account blocks them
    blocked_by: set[int] = field(default_factory=set)  # they block the account
    muting: set[int] = field(default_factory=set)  # the account mutes them
    muting_notifications: set[int] = field(default_factory=set)  # ... and their notifications

    def hidden(self) -> set[int]:
        """Whose tweets leave the account's timelines, threads and search results."""
        return self.blocking | self.blocked_by | self.muting


class BlockMuteStore(Protocol):
    """Blocks and mutes between accounts. Mutes carry an expiry: reads compare it with `now`,
    so an expired mute stops counting at once on every node; `purge_expired_mutes` sweeps."""

    async def add_block(self, block: AccountBlock) -> bool:
        """True if new; False (nothing written) if the account blocks the target already."""
        ...

    async def remove_block(self, account_id: int, target_account_id: int) -> bool: ...

    async def list_blocks(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        """(block id, blocked account id), newest first."""
        ...

    async def save_mute(self, mute: AccountMute) -> bool:
        """Mute, or change an existing mute's `notifications` and `expires_at` (its id and
        creation time kept); True if new (an expired mute counts as gone)."""
        ...

    async def remove_mute(self, account_id: int, target_account_id: int) -> bool: ...

    async def list_mutes(self, account_id: int, page: Page, now: datetime) -> list[AccountMute]:
        """Mutes still in force, newest first (paged by mute id)."""
        ...

    async def get_shunning(
        self, account_id: int, other_ids: Iterable[int], now: datetime
    ) -> Shunning:
        """Blocks both ways and the account's mutes in force, among `other_ids`."""
        ...

    async def get_shunners(
        self,
        target_account_id: int,
        account_ids: Iterable[int] | None,
        now: datetime,
        *,
        notifications_only: bool = False,
    ) -> set[int]:
        """The accounts (among `account_ids`; None: all) that block the target or mute it (a
        mute in force; with `notifications_only`, only mutes of its notifications)."""
        ...

    async def get_shunned(self, account_id: int, now: datetime) -> set[int]:
        """Every account the account blocks, is blocked by, or mutes (a mute in force)."""
        ...

    async def purge_expired_mutes(self, now: datetime) -> list[int]:
        """Delete mutes that expired before `now`; the muting accounts, once each."""
        ...
