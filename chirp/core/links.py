"""Links in tweets, and the link timeline (`GET /api/v1/timelines/link`): the public tweets
Chirp knows that link to a URL.

Each tweet's links are stored with it, under `text.link_key`: the same page however its scheme
and host are capitalised, with or without a default port or a `#fragment`, so the URL a client
asks for matches the one a tweet wrote.
"""

from __future__ import annotations

from chirp.core.context import Context
from chirp.core.errors import InvalidInput
from chirp.core.models import Page, Status
from chirp.core.text import link_key
from chirp.core.views import Loaded, load_visible


async def link_timeline(
    ctx: Context, viewer_id: int | None, url: str, page: Page, *, loaded: Loaded | None = None
) -> tuple[list[Status], list[int]]:
    """Public tweets linking to `url`, newest first (an empty page when none does), from
    accounts that let themselves be discovered, as Mastodon's link timeline lists only
    theirs. Returns the statuses and the page's cursor ids."""
    key = link_key(url.strip())
    if key is None:
        raise InvalidInput("Validation failed: url must be an http(s) URL")
    ids = await ctx.store.link_timeline(key, page)
    statuses = await load_visible(
        ctx, ids, viewer_id, loaded=loaded, screen=True, filter_context="public"
    )
    authors = await ctx.store.get_accounts({s.account_id for s in statuses})
    shown = [s for s in statuses if s.account_id in authors and authors[s.account_id].discoverable]
    return shown, ids
