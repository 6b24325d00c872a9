"""Timeline use cases: home (chronological or ranked), account, public and hashtag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from chirp.core import feeds, ranking
from chirp.core.accounts import get_account
from chirp.core.context import Context
from chirp.core.ids import id_at
from chirp.core.models import Account, Page, Status
from chirp.core.originals import load_originals, original_of
from chirp.core.ports.timelines import AccountFilter
from chirp.core.views import Loaded, load_visible
from chirp.core.visibility import silenced_for

RANKED_CANDIDATES = 800


@dataclass(slots=True)
class AccountTimelineOptions:
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    only_media: bool = False
    pinned: bool = False
    tagged: str | None = None


async def home_timeline(
    ctx: Context, viewer: Account, page: Page, *, loaded: Loaded | None = None
) -> tuple[list[Status], list[int]]:
    """Newest first. Returns the statuses and the cursor ids of the page (for Link headers);
    `loaded` receives what was fetched and judged on the way (see `load_visible`)."""
    ids = await feeds.read_home(ctx, viewer.id, page)
    shown = await load_visible(
        ctx, ids, viewer.id, loaded=loaded, screen=True, filter_context="home"
    )
    return shown, ids


async def ranked_home_timeline(
    ctx: Context, viewer: Account, *, limit: int, offset: int
) -> list[Status]:
    """ "For you": the last WINDOW_HOURS of the home feed, most interesting first (see ranking)."""
    now = ctx.now()
    since = id_at(now - timedelta(hours=ranking.WINDOW_HOURS))
    ids = await feeds.read_home(ctx, viewer.id, Page(limit=RANKED_CANDIDATES, since_id=since))
    candidates = await load_visible(ctx, ids, viewer.id, screen=True, filter_context="home")
    originals = await load_originals(ctx, candidates)
    seen: set[int] = set()
    scored = []
    for status in candidates:
        subject = original_of(status, originals)
        if subject.id in seen:  # a tweet and its retweets compete once
            continue
        seen.add(subject.id)
        scored.append((ranking.hot_score(subject, now), status.id, status))
    scored.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [status for _, _, status in scored[offset : offset + limit]]


async def account_timeline(
    ctx: Context,
    viewer_id: int | None,
    account_id: int,
    page: Page,
    options: AccountTimelineOptions,
    *,
    loaded: Loaded | None = None,
) -> tuple[list[Status], list[int]]:
    author = await get_account(ctx, account_id)
    if viewer_id is not None and viewer_id != author.id:
        shunning = await ctx.store.get_shunning(viewer_id, [author.id], ctx.now())
        if author.id in shunning.blocking:
            return [], []  # neither sees the other's tweets (blocked_by: `visibility`)
    visibilities: tuple[str, ...] = ("public", "unlisted")
    if viewer_id == author.id:
        visibilities = ("public", "unlisted", "private", "direct")
    elif viewer_id is not None:
        relation = (await ctx.store.get_relationships(viewer_id, [author.id]))[author.id]
        if relation.following is not None:
            visibilities = ("public", "unlisted", "private")
    ids = await ctx.store.account_timeline(
        author.id,
        page,
        AccountFilter(
            visibilities=visibilities,
            include_direct_to=viewer_id if viewer_id != author.id else None,
            exclude_replies=options.exclude_replies,
            exclude_reblogs=options.exclude_reblogs,
            pinned=options.pinned,
            tagged=options.tagged,
            only_media=options.only_media,
        ),
    )
    shown = await load_visible(ctx, ids, viewer_id, loaded=loaded, filter_context="account")
    return shown, ids


async def public_timeline(
    ctx: Context,
    viewer_id: int | None,
    page: Page,
    *,
    only_media: bool = False,
    loaded: Loaded | None = None,
) -> tuple[list[Status], list[int]]:
    ids = await ctx.store.public_timeline(page, only_media=only_media)
    shown = await load_visible(
        ctx, ids, viewer_id, loaded=loaded, screen=True, filter_context="public"
    )
    return await without_silenced(ctx, viewer_id, shown), ids


async def tag_timeline(
    ctx: Context,
    viewer_id: int | None,
    tags: list[str],
    page: Page,
    *,
    only_media: bool = False,
    loaded: Loaded | None = None,
) -> tuple[list[Status], list[int]]:
    ids = await ctx.store.tag_timeline(tags, page, only_media=only_media)
    shown = await load_visible(
        ctx, ids, viewer_id, loaded=loaded, screen=True, filter_context="public"
    )
    return await without_silenced(ctx, viewer_id, shown), ids


async def without_silenced(
    ctx: Context, viewer_id: int | None, statuses: list[Status]
) -> list[Status]:
    """Public and hashtag timelines leave out silenced accounts the viewer does not follow."""
    hidden = await silenced_for(ctx, viewer_id, {s.account_id for s in statuses})
    return [s for s in statuses if s.account_id not in hidden] if hidden else statuses
