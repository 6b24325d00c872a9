"""Instance announcements and their reactions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from chirp.core.models import Announcement, Event, ReactionCount


class TooManyReactions(Exception):
    """A new emoji would give an announcement more distinct reactions than allowed."""


class AnnouncementStore(Protocol):
    """Writes record their outbox `event` in the same transaction, and only when they change
    something (the realtime push to every user follows from it)."""

    async def create_announcement(self, announcement: Announcement, *, event: Event) -> None: ...

    async def delete_announcement(self, announcement_id: int, *, event: Event) -> bool:
        """Remove it with its reactions and dismissals; False if absent."""
        ...

    async def get_announcement(self, announcement_id: int) -> Announcement | None: ...

    async def list_announcements(self) -> list[Announcement]:
        """Every announcement, chronological: by `starts_at`, else `published_at`, then id."""
        ...

    async def dismiss_announcement(self, announcement_id: int, account_id: int) -> bool:
        """Mark it read by the account; True if new (False too if the announcement is gone)."""
        ...

    async def dismissed_announcements(
        self, account_id: int, announcement_ids: Iterable[int]
    ) -> set[int]:
        """Which of these the account has dismissed."""
        ...

    async def add_announcement_reaction(
        self,
        announcement_id: int,
        account_id: int,
        name: str,
        at: datetime,
        *,
        max_names: int,
        event: Event,
    ) -> bool:
        """React with emoji `name`; True if new, False if the account had already. A name
        nobody used yet on an announcement that has `max_names` distinct ones already is
        refused (`TooManyReactions`); `MissingRecord` if the announcement is gone."""
        ...

    async def remove_announcement_reaction(
        self, announcement_id: int, account_id: int, name: str, *, event: Event
    ) -> bool:
        """Undo; False if the account had not reacted so."""
        ...

    async def announcement_reactions(
        self, announcement_ids: Iterable[int], viewer_id: int | None
    ) -> dict[int, list[ReactionCount]]:
        """Per announcement, each emoji's count and whether `viewer_id` reacted with it,
        ordered by each emoji's first reaction; announcements without reactions are absent."""
        ...
