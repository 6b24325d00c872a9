"""Hashtags (followed, featured, trending) and shared links."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from chirp.core.models import Event, FeaturedTag, Page, Tag


class TagStore(Protocol):
    """Followed and featured hashtags (`chirp.core.tags`). Names are matched by `tag_key`."""

    async def follow_tag(self, follow_id: int, account_id: int, name: str, at: datetime) -> bool:
        """Follow a hashtag (used or not); True if new."""
        ...

    async def unfollow_tag(self, account_id: int, name: str, *, event: Event) -> bool:
        """Unfollow a hashtag; True (and `event` recorded) if it was followed."""
        ...

    async def remove_unfollowed_tag_from_feed(self, owner_id: int, name: str) -> int:
        """After a tag's unfollow: take the tweets carrying it (not retweets) out of the
        owner's feed, but the owner's own, those of accounts the owner follows and those
        carrying a tag the owner follows (this one again, by now); returns entries removed."""
        ...

    async def followed_tag_keys(self, account_id: int, names: Iterable[str]) -> set[str]:
        """The `tag_key`s of those of `names` the account follows."""
        ...

    async def list_followed_tags(self, account_id: int, page: Page) -> list[tuple[int, Tag]]:
        """(follow id, tag), newest first; a tag nobody has used is named by its key."""
        ...

    async def tag_followers(self, names: Iterable[str]) -> dict[str, list[int]]:
        """The accounts following each of these tags, by `tag_key` (every key asked is there)."""
        ...

    async def feature_tag(self, featured: FeaturedTag, *, limit: int) -> FeaturedTag | None:
        """Feature a tag on the account's profile, or return the existing one (idempotent);
        None (and no write) if the account already features `limit` tags."""
        ...

    async def unfeature_tag(
        self, account_id: int, *, featured_id: int | None = None, name: str | None = None
    ) -> bool:
        """Stop featuring the account's tag with this id, or this name (one of the two);
        True if it was."""
        ...

    async def list_featured_tags(self, account_id: int) -> list[FeaturedTag]:
        """The account's featured tags with their counts over its public and unlisted
        tweets, most used first."""
        ...

    async def featured_tag_keys(self, account_id: int, names: Iterable[str]) -> set[str]:
        """The `tag_key`s of those of `names` the account features."""
        ...

    async def most_used_tags(self, account_id: int, *, recent: int, limit: int) -> list[Tag]:
        """The tags the account used most in its `recent` latest tagged tweets, most used
        (then most recently used) first."""
        ...


class LinkStore(Protocol):
    async def link_timeline(self, link_key: str, page: Page) -> list[int]:
        """Public tweets (no retweets) whose text links to `link_key` (`core.text.link_key`),
        newest first."""
        ...
