"""Polls and votes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from chirp.core.models import Event, Poll


class PollStore(Protocol):
    async def create_poll(self, poll: Poll, *, event: Event) -> None:
        """Insert the poll with zeroed counts and record `event` (its end) due at
        `poll.expires_at`, in one transaction."""
        ...

    async def reset_poll(
        self, poll: Poll, *, event: Event, keep_votes: bool = False
    ) -> Poll | None:
        """Replace the poll's options, flags and end (matched by id) and, unless `keep_votes`,
        drop every vote and zero the counts; record `event` due at `poll.expires_at`. None if
        the poll is gone."""
        ...

    async def remove_poll(self, poll_id: int) -> None:
        """Delete the poll and its votes (idempotent)."""
        ...

    async def get_poll(self, poll_id: int) -> Poll | None: ...

    async def get_polls_of_statuses(self, status_ids: Iterable[int]) -> dict[int, Poll]:
        """The polls of these tweets, by status id."""
        ...

    async def get_own_votes(
        self, account_id: int, poll_ids: Iterable[int]
    ) -> dict[int, tuple[int, ...]]:
        """The options the account chose in each poll it voted in (ascending)."""
        ...

    async def add_poll_votes(
        self, poll_id: int, account_id: int, choices: Sequence[int], *, at: datetime, event: Event
    ) -> Poll:
        """Record the account's votes and count them atomically (each chosen option +1, voters
        +1) and record `event`, in one transaction. `UniqueViolation('poll_vote')` if the account already voted
        in this poll; `MissingRecord` if the poll is gone."""
        ...

    async def poll_voter_ids(self, poll_id: int) -> list[int]: ...
