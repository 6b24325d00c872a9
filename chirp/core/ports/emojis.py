"""Custom emojis."""

from __future__ import annotations

from typing import Protocol

from chirp.core.models import CustomEmoji


class CustomEmojiStore(Protocol):
    async def create_custom_emoji(self, emoji: CustomEmoji) -> None:
        """Insert; `UniqueViolation('shortcode')` if one has that shortcode."""
        ...

    async def delete_custom_emoji(self, shortcode: str) -> CustomEmoji | None:
        """Remove and return it (its blobs are the caller's to delete); None if absent."""
        ...

    async def list_custom_emojis(self) -> list[CustomEmoji]:
        """Every custom emoji, by shortcode (a small set: it is read whole and cached)."""
        ...
