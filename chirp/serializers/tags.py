"""Tag JSON (Mastodon `Tag` with usage history) and the short form used inside statuses."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from urllib.parse import quote

from chirp.config import Settings
from chirp.core.models import Account, FeaturedTag
from chirp.core.tags import TagView
from chirp.core.text import tag_key
from chirp.core.trends import TagHistory


def tag_url(name: str, settings: Settings) -> str:
    return f"{settings.base_url}/tags/{quote(tag_key(name))}"


def tag_ref_json(name: str, settings: Settings) -> dict[str, Any]:
    return {"name": tag_key(name), "url": tag_url(name, settings)}


def tag_json(
    name: str,
    history: list[TagHistory],
    settings: Settings,
    *,
    following: bool = False,
    featuring: bool = False,
) -> dict[str, Any]:
    return {
        "id": tag_key(name),
        "name": name,
        "url": tag_url(name, settings),
        "history": history_json(history),
        "following": following,
        "featuring": featuring,
    }


def history_json(history: list[TagHistory]) -> list[dict[str, str]]:
    """Mastodon's daily usage history (of a tag or a trending link), newest day first."""
    return [
        {"day": str(int(h.day.timestamp())), "uses": str(h.uses), "accounts": str(h.accounts)}
        for h in history
    ]


def tag_view_json(view: TagView, settings: Settings) -> dict[str, Any]:
    """A tag as a viewer sees it (`GET /api/v1/tags/:name`, followed tags, suggestions)."""
    return tag_json(
        view.tag.name,
        view.history,
        settings,
        following=view.following,
        featuring=view.featuring,
    )


def featured_tag_json(
    featured: FeaturedTag, account: Account, settings: Settings
) -> dict[str, Any]:
    """Mastodon's FeaturedTag: the count as a string and the last use as a date, as its
    current documentation gives them; `url` lists the account's tweets with the tag."""
    last = featured.last_status_at
    profile = f"{settings.base_url}/@{quote(account.username)}"
    return {
        "id": str(featured.id),
        "name": featured.name,
        "url": f"{profile}/tagged/{quote(tag_key(featured.name))}",
        "statuses_count": str(featured.statuses_count),
        "last_status_at": last.astimezone(UTC).date().isoformat() if last else None,
    }
