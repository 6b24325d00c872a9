"""Full-text search over accounts, tweets and tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from chirp.core.models import Account, Tag


class SearchStore(Protocol):
    async def search_statuses(
        self, query: str, *, viewer_id: int | None, limit: int, offset: int
    ) -> list[int]:
        """Full-text match over tweet text, best first, only what the viewer may see."""
        ...

    async def search_accounts(self, query: str, *, limit: int, offset: int) -> list[Account]:
        """Handle or display-name prefix; exact handle first, then by followers."""
        ...

    async def search_tags(self, prefix: str, *, limit: int, offset: int) -> list[Tag]: ...

    async def get_tag(self, name: str) -> Tag | None: ...

    async def tag_uses(
        self, tag_names: Iterable[str] | None, since_id: int, limit: int
    ) -> list[tuple[str, int, int]]:
        """(tag name, status id, account id) of public uses after `since_id`, newest first;
        `tag_names` None means every tag."""
        ...
