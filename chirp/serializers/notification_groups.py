"""Grouped notifications JSON (Mastodon `GroupedNotificationsResults`, `NotificationGroup`,
`PartialAccountWithAvatar`) and notification requests and policies."""

from __future__ import annotations

from typing import Any

import orjson

from chirp.core.models import NotificationPolicy, NotificationRequest, Status
from chirp.core.notification_groups import NotificationGroup
from chirp.core.notification_policy import V1_FIELDS, PolicySummary
from chirp.serializers.common import iso
from chirp.serializers.live import stream_json
from chirp.serializers.moderation import report_json
from chirp.serializers.statuses import StatusSerializer

# Types whose group names the status it is about (`status_id`).
STATUS_TYPES = frozenset(
    ("favourite", "reblog", "status", "mention", "poll", "update", "quote", "quoted_update")
)
PARTIAL_FIELDS = ("id", "acct", "locked", "bot", "url", "avatar", "avatar_static")


def group_json(group: NotificationGroup, serializer: StatusSerializer) -> dict[str, Any] | None:
    """None when its tweet or stream vanished between listing and loading."""
    n = group.notification
    bundle = serializer.bundle
    body: dict[str, Any] = {
        "group_key": group.group_key,
        "notifications_count": group.count,
        "type": n.type,
        "most_recent_notification_id": str(group.most_recent_id),
    }
    if group.latest_page_at is not None:
        body["page_min_id"] = str(group.page_min_id)
        body["page_max_id"] = str(group.most_recent_id)
        body["latest_page_notification_at"] = iso(group.latest_page_at)
    body["sample_account_ids"] = [str(a) for a in group.sample_account_ids if a in bundle.accounts]
    if n.status_id is not None:
        if n.status_id not in bundle.statuses:
            return None
        if n.type in STATUS_TYPES:
            body["status_id"] = str(n.status_id)
    if n.stream_id is not None:  # `chirp.live`, as in the ungrouped notification
        stream = bundle.streams.get(n.stream_id)
        sender = bundle.accounts.get(n.from_account_id)
        if stream is None or sender is None or stream.account_id != sender.id:
            return None
        account = serializer.account(sender)
        playback = bundle.playback.get(stream.id)
        body["stream"] = stream_json(stream, account, playback, serializer.settings)
    if n.report_id is not None:  # `admin.report`, as in the ungrouped notification
        report = bundle.reports.get(n.report_id)
        target = bundle.accounts.get(report.target_account_id) if report else None
        if report is None or target is None:
            return None
        body["report"] = report_json(report, target, serializer.settings)
    return body


def grouped_json(
    groups: list[NotificationGroup], serializer: StatusSerializer, *, partial_avatars: bool
) -> dict[str, Any]:
    """`{accounts, statuses, notification_groups}`; with `partial_avatars`, only each group's
    newest sender in full and the other samples in `partial_accounts`."""
    bundle = serializer.bundle
    rendered = [(g, group_json(g, serializer)) for g in groups]
    kept = [(g, body) for g, body in rendered if body is not None]
    full: dict[int, None] = {}
    partial: dict[int, None] = {}
    statuses: dict[int, Status] = {}
    for group, _ in kept:
        samples = [a for a in group.sample_account_ids if a in bundle.accounts]
        if partial_avatars:
            full.update(dict.fromkeys(samples[:1]))
            partial.update(dict.fromkeys(samples[1:]))
        else:
            full.update(dict.fromkeys(samples))
        n = group.notification
        if n.status_id is not None and n.type in STATUS_TYPES:
            statuses[n.status_id] = bundle.statuses[n.status_id]
    body: dict[str, Any] = {
        "accounts": [serializer.account(bundle.accounts[a]) for a in full],
    }
    if partial_avatars:
        body["partial_accounts"] = [
            {k: v for k, v in serializer.account(bundle.accounts[a]).items() if k in PARTIAL_FIELDS}
            for a in partial
            if a not in full
        ]
    body["statuses"] = serializer.many(list(statuses.values()))
    body["notification_groups"] = [g for _, g in kept]
    return body


def policy_json(policy: NotificationPolicy, summary: PolicySummary) -> dict[str, Any]:
    """`/api/v2/notifications/policy`."""
    return {
        "for_not_following": policy.for_not_following,
        "for_not_followers": policy.for_not_followers,
        "for_new_accounts": policy.for_new_accounts,
        "for_private_mentions": policy.for_private_mentions,
        "for_limited_accounts": policy.for_limited_accounts,
        "summary": _summary(summary),
    }


def policy_v1_json(policy: NotificationPolicy, summary: PolicySummary) -> dict[str, Any]:
    """`/api/v1/notifications/policy`: a field is true unless its policy is `accept`."""
    body: dict[str, Any] = {
        name: getattr(policy, field) != "accept" for name, field in V1_FIELDS.items()
    }
    body["summary"] = _summary(summary)
    return body


def _summary(summary: PolicySummary) -> dict[str, int]:
    return {
        "pending_requests_count": summary.pending_requests_count,
        "pending_notifications_count": summary.pending_notifications_count,
    }


def request_json(
    request: NotificationRequest, serializer: StatusSerializer
) -> dict[str, Any] | None:
    """None when the sender vanished."""
    bundle = serializer.bundle
    sender = bundle.accounts.get(request.from_account_id)
    if sender is None:
        return None
    status = bundle.statuses.get(request.last_status_id) if request.last_status_id else None
    return {
        "id": str(request.id),
        "created_at": iso(request.created_at),
        "updated_at": iso(request.updated_at),
        "notifications_count": str(request.notifications_count),
        "account": serializer.account(sender),
        "last_status": orjson.Fragment(serializer.status_bytes(status)) if status else None,
    }
