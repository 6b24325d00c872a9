"""The storage port of a streamer's chat moderators and streams' viewer count history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol


class LiveAudienceStore(Protocol):
    """A streamer's chat moderators, and each stream's viewer count history."""

    async def add_chat_moderator(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        """Appoint `account_id` moderator of every chat of `streamer_id`'s streams; True if new.
        `MissingRecord` if either account is gone."""
        ...

    async def remove_chat_moderator(self, streamer_id: int, account_id: int) -> bool:
        """True if it was one."""
        ...

    async def is_chat_moderator(self, streamer_id: int, account_id: int) -> bool: ...

    async def list_chat_moderators(self, streamer_id: int, *, limit: int) -> list[int]:
        """Their account ids, in the order they were appointed (at most `limit`)."""
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
