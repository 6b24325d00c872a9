"""Search: accounts by handle or display-name prefix, hashtags, full-text tweets by relevance."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from chirp.core.context import Context
from chirp.core.errors import InvalidInput
from chirp.core.models import Account, Status, Tag
from chirp.core.views import load_visible
from chirp.core.visibility import shunned_accounts, suspended_among

TYPES = ("accounts", "hashtags", "statuses")


@dataclass(slots=True)
class SearchResults:
    accounts: list[Account] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    hashtags: list[Tag] = field(default_factory=list)


async def search(
    ctx: Context, viewer_id: int | None, query: str, *, type: str | None, limit: int, offset: int
) -> SearchResults:
    query = query.strip()
    if type is not None and type not in TYPES:
        raise InvalidInput(f"Validation failed: type must be one of {', '.join(TYPES)}")
    results = SearchResults()
    if not query:
        return results
    local = await _resolve_local_url(ctx, viewer_id, query)
    if local is not None:
        return await _without_unwelcome(ctx, viewer_id, local)
    wants = set(TYPES) if type is None else {type}
    if "accounts" in wants and not query.startswith("#"):
        results.accounts = await ctx.store.search_accounts(query, limit=limit, offset=offset)
    if "hashtags" in wants and not query.startswith("@"):
        results.hashtags = await ctx.store.search_tags(query, limit=limit, offset=offset)
    if "statuses" in wants and viewer_id is not None:
        # Like Mastodon, full-text search of tweets needs a signed-in viewer.
        ids = await ctx.store.search_statuses(
            query, viewer_id=viewer_id, limit=limit, offset=offset
        )
        results.statuses = await load_visible(ctx, ids, viewer_id, screen=True)
    return await _without_unwelcome(ctx, viewer_id, results)


async def _without_unwelcome(
    ctx: Context, viewer_id: int | None, results: SearchResults
) -> SearchResults:
    """Suspended accounts are found by no one, and the viewer finds no account it blocks or
    mutes or that blocks it (their tweets are left out by `load_visible`)."""
    ids = [a.id for a in results.accounts]
    gone = await suspended_among(ctx, ids) | await shunned_accounts(ctx, viewer_id, ids)
    if gone:
        results.accounts = [a for a in results.accounts if a.id not in gone]
    return results


async def _resolve_local_url(
    ctx: Context, viewer_id: int | None, query: str
) -> SearchResults | None:
    """A pasted link to one of our profiles or tweets resolves to that record."""
    if not query.startswith(("http://", "https://")):
        return None
    parts = urlsplit(query)
    if parts.netloc.lower() != ctx.settings.domain.lower():
        return SearchResults()
    segments = [s for s in parts.path.split("/") if s]
    results = SearchResults()
    if segments and segments[0].startswith("@"):
        account = await ctx.store.get_account_by_username(segments[0][1:])
        if account is not None:
            if len(segments) > 1 and segments[1].isdigit():
                results.statuses = await load_visible(ctx, [int(segments[1])], viewer_id)
            else:
                results.accounts = [account]
    return results
