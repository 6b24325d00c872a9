"""Lists: their members and timelines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from chirp.core.models import Page, UserList


class ListStore(Protocol):
    """Lists (`UserList`), their members and their timelines (written by the fan-out: the
    `list_ids` of each `FanOut`)."""

    async def create_list(self, user_list: UserList) -> None: ...

    async def get_list(self, list_id: int) -> UserList | None: ...

    async def get_lists(self, owner_id: int) -> list[UserList]:
        """The owner's lists, oldest first."""
        ...

    async def update_list(self, user_list: UserList) -> bool:
        """Save title, replies policy and exclusivity; False if the list is gone."""
        ...

    async def delete_list(self, list_id: int) -> bool:
        """The list, its members and its timeline; False if it was gone already."""
        ...

    async def add_list_members(
        self, list_id: int, memberships: Sequence[tuple[int, int]], at: datetime
    ) -> int:
        """Add members, given as (membership id, account id): only the owner itself and
        accounts it follows, checked in the same write (an account not followed is left out; a
        member already in stays as it was); returns how many were added."""
        ...

    async def remove_list_members(self, list_id: int, account_ids: Iterable[int]) -> int:
        """Remove members, and their entries from the list's timeline; returns how many."""
        ...

    async def list_members(self, list_id: int, page: Page) -> list[tuple[int, int]]:
        """(cursor, member id), by account id, newest first as Mastodon pages them (the cursor
        is the account id); `page.limit` 0 means all."""
        ...

    async def member_lists(self, account_ids: Iterable[int]) -> dict[int, list[UserList]]:
        """Per account, the lists it is a member of (accounts in none are left out)."""
        ...

    async def lists_with_members(
        self, owner_id: int, account_ids: Iterable[int]
    ) -> dict[int, list[UserList]]:
        """Per account, the owner's lists holding it, oldest first (accounts in none are left
        out)."""
        ...

    async def list_timeline(self, list_id: int, page: Page) -> list[int]:
        """Status ids of the list's timeline, newest first."""
        ...

    async def trim_list_feeds(self, list_ids: Iterable[int], cap: int) -> int:
        """Cut each list's timeline to its newest `cap` entries; returns entries removed."""
        ...

    async def remove_from_list_feeds(self, status_ids: Iterable[int]) -> int:
        """Take deleted tweets out of every list timeline; returns entries removed."""
        ...
