"""Who moderates a streamer's chats, and who is banned from them (every stream of the
streamer's, not one)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class LiveChatModerationStore(Protocol):
    """A streamer's chat moderators and chat bans."""

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

    async def ban_from_chat(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        """Ban `account_id` from every chat of `streamer_id`'s streams; True if new."""
        ...

    async def unban_from_chat(self, streamer_id: int, account_id: int) -> bool: ...

    async def is_banned_from_chat(self, streamer_id: int, account_id: int) -> bool: ...
