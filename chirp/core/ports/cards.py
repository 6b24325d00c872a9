"""Link preview cards: where they are kept, and what reads them from the web."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from chirp.core.models import PreviewCard


class CardStore(Protocol):
    """Link preview cards by `link_key`, and the links tweets shared (for trends)."""

    async def get_cards(self, link_keys: Iterable[str]) -> dict[str, PreviewCard]:
        """The stored cards (failed fetches too) of these links, by `link_key`."""
        ...

    async def save_card(self, card: PreviewCard) -> PreviewCard | None:
        """Insert or replace the card of `card.link_key`; returns the card it replaced."""
        ...

    async def link_uses(self, since_id: int, limit: int) -> list[tuple[str, int, int]]:
        """(link_key, status id, author id) of public, non-retweet tweets newer than
        `since_id` that carry a link, newest first, at most `limit`."""
        ...


class CardFetcher(Protocol):
    """Reads a link's page and makes its preview card, picture stored (`chirp.cards`); a
    `failed` card when the page cannot or may not be read."""

    async def fetch(self, link_key: str, url: str, *, now: datetime) -> PreviewCard: ...
