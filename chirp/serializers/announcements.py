"""Announcement JSON (Mastodon `Announcement`, with its `Reaction`s)."""

from __future__ import annotations

from typing import Any

from chirp.config import Settings
from chirp.core.announcements import AnnouncementView
from chirp.core.emojis import EmojiSet
from chirp.core.models import ReactionCount
from chirp.serializers.common import iso
from chirp.serializers.emojis import custom_emoji_json
from chirp.serializers.tags import tag_ref_json


def reaction_json(reaction: ReactionCount, emojis: EmojiSet, *, viewer: bool) -> dict[str, Any]:
    """`me` only for a signed-in viewer; `url`/`static_url` for a custom emoji."""
    body: dict[str, Any] = {"name": reaction.name, "count": reaction.count}
    if viewer:
        body["me"] = reaction.me
    emoji = emojis.by_code.get(reaction.name)
    if emoji is not None:
        body["url"], body["static_url"] = emojis.urls.get(emoji.shortcode, ("", ""))
    return body


def announcement_json(
    view: AnnouncementView, emojis: EmojiSet, settings: Settings
) -> dict[str, Any]:
    a = view.announcement
    base = settings.base_url
    viewer = view.read is not None
    body: dict[str, Any] = {
        "id": str(a.id),
        "content": view.content,
        "starts_at": iso(a.starts_at),
        "ends_at": iso(a.ends_at),
        "all_day": a.all_day,
        "published_at": iso(a.published_at),
        "updated_at": iso(a.updated_at),
    }
    if viewer:
        body["read"] = view.read
    body["mentions"] = [
        {
            "id": str(account.id),
            "username": account.username,
            "url": f"{base}/@{account.username}",
            "acct": account.username,
        }
        for account in view.mentions
    ]
    body["statuses"] = [
        {"id": str(status.id), "url": f"{base}/@{username}/{status.id}"}
        for status, username in view.statuses
    ]
    body["tags"] = [tag_ref_json(name, settings) for name in view.tags]
    body["emojis"] = [custom_emoji_json(emoji, emojis) for emoji in view.emojis]
    body["reactions"] = [reaction_json(r, emojis, viewer=viewer) for r in view.reactions]
    return body
