"""The transactional outbox: events recorded with their write, dispatched afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chirp.core.models import Event


class OutboxStore(Protocol):
    async def count_due_events(self, now: datetime) -> int:
        """Events due by `now`, claimed or not (the backlog; events waiting out a retry's
        backoff are not counted)."""
        ...

    async def claim_events(self, *, limit: int, now: datetime, lease_seconds: float) -> list[Event]:
        """Lease up to `limit` due events, oldest first; a lease that expires makes them due again."""
        ...

    async def complete_event(self, event_id: int) -> None: ...

    async def complete_events(self, event_ids: Sequence[int]) -> None:
        """Done: remove them from the outbox (one transaction)."""
        ...

    async def retry_event(self, event_id: int, *, available_at: datetime) -> None: ...

    async def oldest_event_id(self) -> int | None:
        """The id of the oldest event still in the outbox (due, leased or backing off), whose
        time says how long it has waited; None when the outbox is empty."""
        ...
