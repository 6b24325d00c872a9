"""Who watches a live stream: player heartbeats, the pushed viewer count, its history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol


class LiveViewerStore(Protocol):
    """Viewer heartbeats, each stream's pushed count and its count per minute."""

    async def record_viewer(
        self, stream_id: int, viewer: str, at: datetime, *, active_since: datetime
    ) -> int:
        """A player heartbeat: `viewer` was watching at `at`. Returns how many viewers of the
        stream were seen at or after `active_since` (older heartbeats may be forgotten)."""
        ...

    async def count_live_viewers(self, active_since: datetime) -> dict[int, int]:
        """For every `live` stream, viewers seen at or after `active_since` (0 included)."""
        ...

    async def set_viewers_count(self, stream_id: int, count: int) -> bool:
        """Store the stream's pushed viewer count; True only if it changed (so one node pushes)."""
        ...

    async def record_viewer_counts(self, counts: Mapping[int, int], minute: datetime) -> None:
        """Sample each stream's viewer count (by stream id) into the minute starting at
        `minute`: the highest sample of that minute is kept, whichever node took it. Streams
        that are gone are skipped."""
        ...

    async def viewer_count_history(
        self, stream_id: int, *, limit: int
    ) -> list[tuple[datetime, int]]:
        """The last `limit` minutes sampled, oldest first: (minute, viewers)."""
        ...
