"""Notification JSON (Mastodon `Notification`)."""

from __future__ import annotations

from typing import Any

from chirp.core.models import Notification
from chirp.serializers.common import iso
from chirp.serializers.statuses import StatusSerializer


def notification_json(n: Notification, serializer: StatusSerializer) -> dict[str, Any] | None:
    """None when the sender or tweet vanished between listing and loading."""
    sender = serializer.bundle.accounts.get(n.from_account_id)
    status = serializer.bundle.statuses.get(n.status_id) if n.status_id else None
    if sender is None or (n.status_id is not None and status is None):
        return None
    return {
        "id": str(n.id),
        "type": n.type,
        "group_key": f"ungrouped-{n.id}",
        "created_at": iso(n.created_at),
        "account": serializer.account(sender),
        "status": serializer.status(status) if status is not None else None,
    }
