"""Mastodon `MediaAttachment` JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chirp.core.models import MediaAttachment


def media_attachment_json(media: MediaAttachment, urls: Mapping[str, str]) -> dict[str, Any]:
    """`url` is null until processing is done (Mastodon answers 206 meanwhile)."""
    ready = media.state == "ready"
    preview_key = media.thumbnail_key or media.preview_key
    meta = dict(media.meta)
    if media.type == "image" or media.focus != (0.0, 0.0):
        meta["focus"] = {"x": media.focus[0], "y": media.focus[1]}
    return {
        "id": str(media.id),
        "type": media.type,
        "url": urls.get(media.file_key) if ready and media.file_key else None,
        "preview_url": urls.get(preview_key) if ready and preview_key else None,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description or None,
        "blurhash": media.blurhash,
    }
