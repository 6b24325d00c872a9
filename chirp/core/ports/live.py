"""Live streams (a Chirp extension): streams, stream keys, chat, bans, viewers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from chirp.core.models import ChatMessage, Event, LiveStream, Page, StreamKey


class ChatBanned(Exception):
    """The sender is banned from the streamer's chat."""


class ChatRateLimited(Exception):
    """The sender used up their messages for now; `retry_at` is when one more is allowed."""

    def __init__(self, retry_at: datetime) -> None:
        super().__init__("chat rate limit reached")
        self.retry_at = retry_at


class LiveStore(Protocol):
    """Live streams, stream keys, viewer heartbeats and chat (see `chirp.core.live`)."""

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

    async def set_stream_key(self, key: StreamKey) -> None:
        """Create or replace the account's key (the old digest stops matching at once)."""
        ...

    async def get_stream_key(self, account_id: int) -> StreamKey | None: ...

    async def find_stream_key(self, digest: str) -> StreamKey | None:
        """The key with this digest, if any account holds it."""
        ...

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

    async def add_chat_message(
        self, message: ChatMessage, *, window_start: datetime, window_limit: int
    ) -> None:
        """Insert unless the author is banned by the stream's owner (`ChatBanned`) or already
        sent `window_limit` messages to this stream since `window_start`, deleted ones included
        (`ChatRateLimited`, retry when the oldest of them leaves the window). Atomic: two nodes
        cannot both let the last allowed message through. `MissingRecord` if the stream is gone."""
        ...

    async def get_chat_message(self, message_id: int) -> ChatMessage | None:
        """A message not deleted."""
        ...

    async def list_chat_messages(self, stream_id: int, page: Page) -> list[ChatMessage]:
        """Messages not deleted, paged by id, newest first."""
        ...

    async def delete_chat_message(self, message_id: int, at: datetime) -> bool:
        """Hide it (it still counts towards its author's rate limit); True if it was visible."""
        ...

    async def ban_from_chat(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        """Ban `account_id` from every chat of `streamer_id`'s streams; True if new."""
        ...

    async def unban_from_chat(self, streamer_id: int, account_id: int) -> bool: ...

    async def is_banned_from_chat(self, streamer_id: int, account_id: int) -> bool: ...
