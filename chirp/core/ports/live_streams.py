"""Live streams (a Chirp extension): a stream's lifecycle, `created` -> `live` -> `ended`, and
the lease of the node relaying it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from chirp.core.models import Event, LiveStream, Page


class LiveStreamStore(Protocol):
    """Streams, their state and their relay lease (see `chirp.core.live`)."""

    async def create_live_stream(self, stream: LiveStream) -> None:
        """Insert a stream (state `created`); `MissingRecord` if its account is gone."""
        ...

    async def get_live_stream(self, stream_id: int) -> LiveStream | None: ...

    async def get_live_streams(self, stream_ids: Iterable[int]) -> dict[int, LiveStream]:
        """Batch load; ids not found are absent from the map."""
        ...

    async def list_live_streams(
        self, page: Page, *, followed_by: int | None = None
    ) -> list[LiveStream]:
        """Streams in state `live`, paged by id, newest first; with `followed_by`, only those
        of accounts that account follows."""
        ...

    async def publishable_stream(self, account_id: int) -> LiveStream | None:
        """Where the account's publisher goes: its `live` stream, else its newest `created` one."""
        ...

    async def start_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        """`created` -> `live` with `started_at` (and the first relay lease, see
        `renew_relay_lease`), recording `event`; None (and no write) when the stream is not in
        state `created`."""
        ...

    async def end_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        """`created`/`live` -> `ended` with `ended_at`, recording `event` and forgetting its
        viewers; None (and no write) when missing or already ended."""
        ...

    async def renew_relay_lease(self, stream_ids: Iterable[int], at: datetime) -> None:
        """The node relaying these streams still does (`start_live_stream` takes the first lease)."""
        ...

    async def abandoned_live_streams(self, before: datetime, *, limit: int) -> list[int]:
        """Ids of `live` streams whose relay lease was last renewed before `before`."""
        ...
