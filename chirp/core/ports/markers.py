"""Read markers (home and notifications)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from chirp.core.models import Marker


class MarkerStore(Protocol):
    async def get_markers(self, account_id: int, timelines: Iterable[str]) -> dict[str, Marker]:
        """The account's markers of these timelines, by timeline; unsaved ones are absent."""
        ...

    async def save_marker(
        self, account_id: int, timeline: str, last_read_id: int, at: datetime
    ) -> Marker:
        """Set the position (atomic): a new marker has version 1; saving another position
        adds 1 to the version and stamps `at`; saving the same position changes nothing (as
        Mastodon's optimistic lock counts only real updates)."""
        ...
