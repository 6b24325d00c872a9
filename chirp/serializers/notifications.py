"""Notification JSON (Mastodon `Notification`)."""

from __future__ import annotations

from typing import Any

from chirp.core.models import Notification
from chirp.serializers.common import iso
from chirp.serializers.live import stream_json
from chirp.serializers.moderation import report_json
from chirp.serializers.statuses import StatusSerializer


def notification_json(n: Notification, serializer: StatusSerializer) -> dict[str, Any] | None:
    """None when the sender, tweet or stream vanished between listing and loading."""
    bundle = serializer.bundle
    sender = bundle.accounts.get(n.from_account_id)
    status = bundle.statuses.get(n.status_id) if n.status_id else None
    stream = bundle.streams.get(n.stream_id) if n.stream_id else None
    if sender is None or (n.status_id is not None and status is None):
        return None
    body = {
        "id": str(n.id),
        "type": n.type,
        "group_key": n.group_key or f"ungrouped-{n.id}",
        "created_at": iso(n.created_at),
        "account": serializer.account(sender),
        "status": serializer.status(status) if status is not None else None,
    }
    if n.report_id is not None:
        report = bundle.reports.get(n.report_id)
        target = bundle.accounts.get(report.target_account_id) if report else None
        if report is None or target is None:
            return None
        body["report"] = report_json(report, target, serializer.settings)
    if n.stream_id is not None:
        if stream is None or stream.account_id != sender.id:
            return None
        account = serializer.account(sender)
        playback = bundle.playback.get(stream.id)
        body["stream"] = stream_json(stream, account, playback, serializer.settings)
    return body
