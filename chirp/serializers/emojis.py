"""CustomEmoji JSON (Mastodon `CustomEmoji`), and the `emojis` list of what uses them."""

from __future__ import annotations

from typing import Any

from chirp.core.emojis import EmojiSet
from chirp.core.models import CustomEmoji


def custom_emoji_json(emoji: CustomEmoji, emojis: EmojiSet) -> dict[str, Any]:
    url, static_url = emojis.urls.get(emoji.shortcode, ("", ""))
    body: dict[str, Any] = {
        "shortcode": emoji.shortcode,
        "url": url,
        "static_url": static_url,
        "visible_in_picker": emoji.visible_in_picker,
    }
    if emoji.category:  # Mastodon leaves `category` out of an emoji that has none
        body["category"] = emoji.category
    return body


def emojis_json(emojis: EmojiSet | None, *texts: str) -> list[dict[str, Any]]:
    """The `emojis` member of whatever shows these texts."""
    if emojis is None:
        return []
    return [custom_emoji_json(emoji, emojis) for emoji in emojis.used_in(*texts)]
