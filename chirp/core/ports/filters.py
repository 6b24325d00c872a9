"""Content filters: each one a record with its keywords and filtered tweets, saved whole."""

from __future__ import annotations

from typing import Protocol

from chirp.core.models import Filter


class FilterStore(Protocol):
    """Content filters: each one a record with its keywords and filtered tweets, saved whole."""

    async def filters_version(self, account_id: int) -> int:
        """A number every write to the account's filters raises (0 before the first), in the
        write's own transaction."""
        ...

    async def get_filters(self, account_id: int) -> list[Filter]:
        """All of the account's filters (expired ones too), oldest first, with their keywords
        and tweets (each in the order added)."""
        ...

    async def create_filter(self, filter_: Filter) -> None:
        """Insert the filter with its keywords and tweets (`version` as given)."""
        ...

    async def save_filter(self, filter_: Filter) -> bool:
        """Replace the account's filter `filter_.id` (fields, keywords, tweets) if its stored
        `version` is still `filter_.version`, storing `version + 1`; False (and no write) if
        the filter is gone or was saved meanwhile."""
        ...

    async def remove_filter(self, account_id: int, filter_id: int) -> bool:
        """Delete the account's filter; False if there was none."""
        ...
