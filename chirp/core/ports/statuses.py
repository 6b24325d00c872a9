"""Tweets, their edits and threads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from chirp.core.models import Event, Status, StatusEdit


class StatusStore(Protocol):
    async def create_status(
        self,
        status: Status,
        *,
        event: Event,
        idempotency_key: str | None = None,
        idempotency_since: datetime | None = None,
    ) -> Status:
        """Insert a tweet (or retweet) with its mentions, tags, search entry and counters.

        In one transaction: author's statuses_count/last_status_at, parent's replies_count,
        quoted status's quotes_count, original's reblogs_count, the idempotency key and the
        outbox `event`. A key older than `idempotency_since` is replaced. Attaches
        `status.media_ids` (`MediaNotAttachable` unless each is the author's, ready and free).
        `UniqueViolation('reblog')` if the account already retweeted it;
        `UniqueViolation('idempotency_key')` if the key is taken; `MissingRecord` if a
        referenced status vanished.
        """
        ...

    async def find_idempotent_status(
        self, account_id: int, key: str, since: datetime
    ) -> Status | None:
        """The status created with this key after `since`, if any."""
        ...

    async def get_status(self, status_id: int) -> Status | None: ...

    async def get_statuses(self, status_ids: Iterable[int]) -> dict[int, Status]: ...

    async def update_status(
        self, status: Status, *, history: list[StatusEdit], event: Event
    ) -> Status | None:
        """Replace text/entities of `status` (matched by id), append `history` versions,
        re-index search and record `event`. None if the status is gone. Attachments no longer
        in `status.media_ids` are detached, new ones attached (as in `create_status`)."""
        ...

    async def delete_status(
        self, status_id: int, *, event: Callable[[Sequence[Status]], Event]
    ) -> list[Status]:
        """Delete a status and its retweets, fixing every counter, and record the event
        `event` builds from the removed rows (the status first, then its retweets: what the
        store learns while writing goes to the use case, which builds the event) in the same
        transaction. Returns the removed rows ([] if it was gone). Its attachments are
        detached (kept for delete-and-redraft until collected)."""
        ...

    async def get_status_edits(self, status_id: int) -> list[StatusEdit]:
        """Versions oldest first."""
        ...

    async def get_thread(
        self, status: Status, *, max_ancestors: int, max_descendants: int
    ) -> tuple[list[Status], list[Status]]:
        """(ancestors oldest first, descendants depth-first in reply order)."""
        ...

    async def find_reblog(self, account_id: int, status_id: int) -> Status | None: ...

    async def get_mentioned_status_ids(
        self, account_id: int, status_ids: Iterable[int]
    ) -> set[int]:
        """Which of these statuses mention the account."""
        ...
