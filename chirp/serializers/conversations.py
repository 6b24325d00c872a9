"""Mastodon's Conversation entity (REST and the `direct` stream's `conversation` event)."""

from __future__ import annotations

from typing import Any

from chirp.core.direct_conversations import participants_shown
from chirp.core.models import Conversation, Status
from chirp.serializers.statuses import StatusSerializer


def conversation_json(
    conversation: Conversation, serializer: StatusSerializer, last_status: Status | None
) -> dict[str, Any]:
    """`last_status` as the reader may see it (None if it may not); `accounts` are those the
    serializer's bundle loaded (a suspended or deleted participant is left out)."""
    accounts = serializer.bundle.accounts
    return {
        "id": str(conversation.id),
        "unread": conversation.unread,
        "accounts": [
            serializer.account(accounts[a])
            for a in participants_shown(conversation)
            if a in accounts
        ],
        "last_status": serializer.status(last_status) if last_status is not None else None,
    }
