"""Mastodon's ScheduledStatus entity."""

from __future__ import annotations

from typing import Any

from chirp.core.models import MediaAttachment, ScheduledStatus
from chirp.serializers.common import iso
from chirp.serializers.media import media_attachment_json


def scheduled_status_json(
    scheduled: ScheduledStatus, media: dict[int, MediaAttachment], urls: dict[str, str]
) -> dict[str, Any]:
    return {
        "id": str(scheduled.id),
        "scheduled_at": iso(scheduled.scheduled_at),
        "params": scheduled.params,
        "media_attachments": [
            media_attachment_json(media[m], urls) for m in scheduled.media_ids if m in media
        ],
    }
