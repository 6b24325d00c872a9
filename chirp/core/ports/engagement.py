"""Likes, retweets, bookmarks and pins, and what a viewer did to a batch of tweets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from chirp.core.models import Event, Page


@dataclass(slots=True)
class ViewerState:
    """What one viewer has done to a batch of statuses (for `favourited`, `reblogged`, ...)."""

    favourited: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)


class EngagementStore(Protocol):
    async def add_favourite(
        self, favourite_id: int, account_id: int, status_id: int, *, event: Event
    ) -> bool:
        """Like; True if new (counter +1 and event recorded), False if already liked."""
        ...

    async def remove_favourite(self, account_id: int, status_id: int, *, event: Event) -> bool: ...

    async def add_bookmark(self, bookmark_id: int, account_id: int, status_id: int) -> bool: ...

    async def remove_bookmark(self, account_id: int, status_id: int) -> bool: ...

    async def add_pin(self, pin_id: int, account_id: int, status_id: int) -> bool: ...

    async def remove_pin(self, account_id: int, status_id: int) -> bool: ...

    async def count_pins(self, account_id: int) -> int: ...

    async def get_viewer_state(self, account_id: int, status_ids: Iterable[int]) -> ViewerState: ...

    async def list_favourited_by(self, status_id: int, page: Page) -> list[tuple[int, int]]:
        """(favourite id, account id), newest first."""
        ...

    async def list_reblogged_by(self, status_id: int, page: Page) -> list[tuple[int, int]]:
        """(retweet status id, account id), newest first."""
        ...

    async def list_favourites(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        """(favourite id, status id), newest first."""
        ...

    async def list_bookmarks(self, account_id: int, page: Page) -> list[tuple[int, int]]: ...

    async def recent_engagements(self, since_id: int, limit: int) -> list[tuple[int, str, int]]:
        """(status id, kind, engagement id) for likes/retweets/replies/quotes of public
        statuses made after `since_id`, newest first: the raw input of trends."""
        ...
