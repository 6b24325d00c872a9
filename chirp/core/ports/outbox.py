"""The transactional outbox: events recorded with their write, dispatched afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chirp.core.models import Event, RunningNode


class OutboxStore(Protocol):
    async def count_due_events(self, now: datetime) -> int:
        """Events due by `now`, claimed or not (the backlog; events waiting out a retry's
        backoff are not counted)."""
        ...

    async def claim_events(
        self, *, limit: int, now: datetime, lease_seconds: float, owner: str = ""
    ) -> list[Event]:
        """Lease up to `limit` due events, oldest first, to `owner` (a `RunningNode.key`); a
        lease that expires, or that `remove_node` releases, makes them due again."""
        ...

    async def beat_node(self, node: RunningNode) -> None:
        """Record a node's heartbeat: insert it, or replace the record with the same key."""
        ...

    async def list_nodes(self) -> list[RunningNode]:
        """Every node recorded (live or not yet removed), in no particular order."""
        ...

    async def remove_node(self, key: str) -> int:
        """Forget a node (it stopped, or stopped beating) and release the outbox leases it held,
        due at once; returns how many it held. Idempotent."""
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
