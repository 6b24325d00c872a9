"""Muted conversations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol


class ConversationMuteStore(Protocol):
    """Threads (by their root, `Status.conversation_id`) an account muted: no notifications."""

    async def mute_conversation(self, account_id: int, conversation_id: int, at: datetime) -> bool:
        """True if newly muted."""
        ...

    async def unmute_conversation(self, account_id: int, conversation_id: int) -> bool: ...

    async def get_muted_conversations(
        self, account_id: int, conversation_ids: Iterable[int]
    ) -> set[int]:
        """Which of these conversations the account muted."""
        ...

    async def get_conversation_muters(
        self, conversation_id: int, account_ids: Iterable[int]
    ) -> set[int]:
        """Which of these accounts muted the conversation."""
        ...
