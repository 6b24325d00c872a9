"""Tag JSON (Mastodon `Tag` with usage history) and the short form used inside statuses."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chirp.config import Settings
from chirp.core.text import tag_key
from chirp.core.trends import TagHistory


def tag_url(name: str, settings: Settings) -> str:
    return f"{settings.base_url}/tags/{quote(tag_key(name))}"


def tag_ref_json(name: str, settings: Settings) -> dict[str, Any]:
    return {"name": tag_key(name), "url": tag_url(name, settings)}


def tag_json(name: str, history: list[TagHistory], settings: Settings) -> dict[str, Any]:
    return {
        "id": tag_key(name),
        "name": name,
        "url": tag_url(name, settings),
        "history": [
            {"day": str(int(h.day.timestamp())), "uses": str(h.uses), "accounts": str(h.accounts)}
            for h in history
        ],
        "following": False,
        "featuring": False,
    }
