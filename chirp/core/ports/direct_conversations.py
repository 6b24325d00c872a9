"""Direct conversations (Mastodon's AccountConversation) and the direct timeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chirp.core.models import Conversation, Page


class ConversationStore(Protocol):
    """Direct conversations, one row per participant (`Conversation`), keyed by (account,
    thread root, other participants) as Mastodon keys them."""

    async def add_conversation_status(
        self,
        account_id: int,
        thread_id: int,
        participant_ids: Sequence[int],
        status_id: int,
        *,
        unread: bool,
        new_id: int,
    ) -> Conversation:
        """Add a direct tweet to the account's conversation of that thread with exactly these
        participants (sorted), creating it with `new_id` if there is none. `last_status_id`
        becomes the newest of its tweets, `unread` is set as given. A tweet already in it
        changes nothing (as Mastodon), so a retry leaves a conversation read since as it is."""
        ...

    async def remove_conversation_status(self, status_id: int) -> list[Conversation]:
        """Take a deleted tweet out of every conversation holding it; one left without tweets
        is removed. Returns those still standing, as they are now."""
        ...

    async def conversations_with_status(self, status_id: int) -> list[Conversation]: ...

    async def direct_timeline(self, account_id: int, page: Page) -> list[int]:
        """Ids of the direct tweets the account wrote or is mentioned in, newest first."""
        ...

    async def list_conversations(self, account_id: int, page: Page) -> list[Conversation]:
        """The account's conversations, paged and ordered by `last_status_id`, newest first."""
        ...

    async def get_conversation(
        self, account_id: int, conversation_id: int
    ) -> Conversation | None: ...

    async def mark_conversation_read(
        self, account_id: int, conversation_id: int
    ) -> Conversation | None:
        """Set it read; None if the account has no such conversation."""
        ...

    async def remove_conversation(self, account_id: int, conversation_id: int) -> bool: ...
