"""PreviewCard JSON (Mastodon's `PreviewCard`, and `Trends::Link` with its history)."""

from __future__ import annotations

from typing import Any

from chirp.core.models import PreviewCard
from chirp.core.trends import LinkTrend
from chirp.serializers.common import iso
from chirp.serializers.tags import history_json


def card_json(card: PreviewCard) -> dict[str, Any]:
    return {
        "url": card.url,
        "title": card.title,
        "description": card.description,
        "language": card.language,
        "type": card.type,
        "author_name": card.author_name,
        "author_url": card.author_url,
        "authors": (
            [{"name": card.author_name, "url": card.author_url, "account": None}]
            if card.author_name
            else []
        ),
        "provider_name": card.provider_name,
        "provider_url": card.provider_url,
        "html": card.html,
        "width": card.image_width if card.image_url else card.width,
        "height": card.image_height if card.image_url else card.height,
        "image": card.image_url,
        "image_description": "",
        "embed_url": card.embed_url,
        "blurhash": card.blurhash,
        "published_at": iso(card.published_at),
    }


def link_trend_json(trend: LinkTrend) -> dict[str, Any]:
    """Mastodon's `Trends::Link`: the card with its daily history."""
    return {**card_json(trend.card), "history": history_json(trend.history)}
