"""Scheduled tweets."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chirp.core.models import Event, Page, ScheduledStatus


class ScheduledStatusStore(Protocol):
    async def create_scheduled_status(self, scheduled: ScheduledStatus, *, event: Event) -> None:
        """Insert it, hold its media (`MediaNotAttachable` unless each is the author's, ready
        and free) and record `event` due at `scheduled_at`, in one transaction."""
        ...

    async def get_scheduled_status(self, scheduled_id: int) -> ScheduledStatus | None: ...

    async def list_scheduled_statuses(self, account_id: int, page: Page) -> list[ScheduledStatus]:
        """The account's, newest id first, paged by id."""
        ...

    async def reschedule_status(
        self, scheduled_id: int, scheduled_at: datetime, *, event: Event
    ) -> ScheduledStatus | None:
        """Move it and record `event` due then (an earlier event finds the time changed).
        None if it is gone."""
        ...

    async def count_scheduled_statuses(
        self, account_id: int, *, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(how many the account has scheduled, how many of them fall in [since, until))."""
        ...

    async def release_scheduled_media(self, scheduled_id: int, at: datetime) -> None:
        """Let go of its media (to attach them to the published tweet); idempotent."""
        ...

    async def remove_scheduled_status(self, scheduled_id: int, at: datetime) -> bool:
        """Delete it and let go of its media; False if it was gone."""
        ...
