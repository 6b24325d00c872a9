"""A live stream's chat: messages and their rate limit (bans are `live_chat_moderation`)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chirp.core.models import ChatMessage, Page


class ChatBanned(Exception):
    """The sender is banned from the streamer's chat."""


class ChatRateLimited(Exception):
    """The sender used up their messages for now; `retry_at` is when one more is allowed."""

    def __init__(self, retry_at: datetime) -> None:
        super().__init__("chat rate limit reached")
        self.retry_at = retry_at


class LiveChatStore(Protocol):
    """Chat messages of live streams."""

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
