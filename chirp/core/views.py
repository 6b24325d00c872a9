"""Batch loading of everything needed to show a page of tweets to one viewer.

A page of 20 tweets costs a constant number of queries whatever it contains: the retweeted and
quoted originals, every account involved, the viewer's likes/retweets/bookmarks/pins, and which
quoted tweets the viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from chirp.core.cards import status_cards
from chirp.core.context import Context
from chirp.core.emojis import EmojiSet, current_emojis
from chirp.core.filter_matching import ContextFilters, FilterMatch, hides
from chirp.core.filtering import context_filters, filter_results, match_statuses
from chirp.core.live import playback_url
from chirp.core.media import media_urls
from chirp.core.models import (
    Account,
    LiveStream,
    MediaAttachment,
    Notification,
    Poll,
    PreviewCard,
    Report,
    Status,
)
from chirp.core.originals import load_originals
from chirp.core.ports.blocks import Shunning
from chirp.core.ports.engagement import ViewerState
from chirp.core.ports.relations import PageRelations, RelationsWanted
from chirp.core.visibility import (
    involved_accounts,
    restricted_among,
    screened_ids,
    visible_among,
    visible_ids,
)


@dataclass(slots=True)
class StatusBundle:
    statuses: dict[int, Status] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    viewer: ViewerState = field(default_factory=ViewerState)
    visible: set[int] = field(default_factory=set)
    viewer_id: int | None = None
    media: dict[int, MediaAttachment] = field(default_factory=dict)
    media_urls: dict[str, str] = field(default_factory=dict)
    # Live streams that `chirp.live` notifications point at, and their playback URLs.
    streams: dict[int, LiveStream] = field(default_factory=dict)
    playback: dict[int, str | None] = field(default_factory=dict)
    # Custom emojis, for the `emojis` of statuses and accounts.
    emojis: EmojiSet = field(default_factory=EmojiSet)
    # Statuses whose conversation the viewer muted (`muted`).
    muted: set[int] = field(default_factory=set)
    # Polls by status id, the viewer's choices by poll id, and when they were read (`expired`).
    polls: dict[int, Poll] = field(default_factory=dict)
    # Reports that `admin.report` notifications point at (their targets are in `accounts`).
    reports: dict[int, Report] = field(default_factory=dict)
    own_votes: dict[int, tuple[int, ...]] = field(default_factory=dict)
    now: datetime | None = None
    # The viewer's filter results (`filtered`) by status id, in the page's filter context.
    filtered: dict[int, list[FilterMatch]] = field(default_factory=dict)
    # Link preview cards by status id.
    cards: dict[int, PreviewCard] = field(default_factory=dict)


async def load_bundle(
    ctx: Context,
    statuses: Iterable[Status],
    viewer_id: int | None,
    *,
    extra_account_ids: Iterable[int] = (),
    loaded: Loaded | None = None,
    filter_context: str | None = None,
) -> StatusBundle:
    """`loaded`: what `load_visible` already fetched and judged for this viewer, not asked again.
    `filter_context`: where the page is shown, for the viewer's `filtered` results (else those
    of the context `loaded` was screened for)."""
    if loaded is not None and loaded.viewer_id != viewer_id:
        loaded = None
    known = loaded.statuses if loaded is not None else {}
    bundle = StatusBundle(viewer_id=viewer_id)
    level = list(statuses)
    level_zero = level
    # Two hops cover wrapper -> original -> quoted status (deeper quotes render as shallow ids).
    for _ in range(3):
        bundle.statuses.update((s.id, s) for s in level)
        wanted = {
            ref
            for s in level
            for ref in (s.reblog_of_id, s.quote_of_id)
            if ref is not None and ref not in bundle.statuses
        }
        if not wanted:
            break
        level = [known[ref] for ref in wanted if ref in known]
        missing = [ref for ref in wanted if ref not in known]
        if missing:
            level.extend((await ctx.store.get_statuses(missing)).values())
    everything = list(bundle.statuses.values())
    account_ids = {s.account_id for s in everything} | {
        m for s in everything for m in s.mention_ids
    }
    account_ids.update(extra_account_ids)
    bundle.accounts = await ctx.store.get_accounts(account_ids)
    filters_version = None
    if viewer_id is None:
        if loaded is None:
            bundle.visible = await visible_ids(ctx, viewer_id, everything)
        else:  # one visibility verdict per status and page
            bundle.visible = {s.id for s in everything if s.id in known and s.id in loaded.visible}
            unjudged = [s for s in everything if s.id not in known]
            if unjudged:
                bundle.visible |= await visible_ids(ctx, viewer_id, unjudged)
    else:
        relations = loaded.relations if loaded is not None else None
        if loaded is None or relations is None:
            # Nothing judged before (one tweet, notifications, a post's reply): all the
            # viewer's relations to the page in one query.
            relations = await load_page_relations(
                ctx, viewer_id, everything, filters_version=filter_context is not None
            )
            bundle.visible = visible_by(viewer_id, everything, relations)
            filters_version = relations.filters_version
        else:  # one visibility verdict per status and page; quotes found since are read
            bundle.visible = {s.id for s in everything if s.id in known and s.id in loaded.visible}
            later = [s for s in everything if s.id not in known]
            if later:
                more = await load_page_relations(ctx, viewer_id, later)
                bundle.visible |= visible_by(viewer_id, later, more)
                relations.viewer.favourited |= more.viewer.favourited
                relations.viewer.reblogged |= more.viewer.reblogged
                relations.viewer.bookmarked |= more.viewer.bookmarked
                relations.viewer.pinned |= more.viewer.pinned
                relations.muted_conversations |= more.muted_conversations
        bundle.viewer = relations.viewer
        muted = relations.muted_conversations
        bundle.muted = {s.id for s in everything if s.conversation_id in muted}
    bundle.polls = await ctx.store.get_polls_of_statuses(
        s.id for s in everything if s.reblog_of_id is None
    )
    bundle.now = ctx.now()
    if viewer_id is not None and bundle.polls:
        bundle.own_votes = await ctx.store.get_own_votes(
            viewer_id, (p.id for p in bundle.polls.values())
        )
    # Every attachment of the page in one query (ids are on the rows, like mentions).
    bundle.media = await ctx.store.get_media_batch(m for s in everything for m in s.media_ids)
    bundle.media_urls = await media_urls(ctx, bundle.media.values())
    bundle.emojis = await current_emojis(ctx)
    compiled = loaded.filters if loaded is not None else None
    if compiled is None and filter_context is not None:
        compiled = await context_filters(ctx, viewer_id, filter_context, version=filters_version)
    if compiled is not None:
        bundle.filtered = match_statuses(
            compiled,
            level_zero,
            bundle.statuses,
            bundle.polls,
            bundle.media,
            bundle.now,
            viewer_id,
        )
    bundle.cards = await status_cards(ctx, everything)
    return bundle


@dataclass(slots=True)
class Loaded:
    """The statuses `load_visible` fetched for one viewer and which of them the viewer may see,
    handed on to `load_bundle` so a page fetches and judges each status once."""

    viewer_id: int | None
    statuses: dict[int, Status] = field(default_factory=dict)
    visible: set[int] = field(default_factory=set)
    # The viewer's filters in the page's context (`filter_context`), for `filtered`.
    filters: ContextFilters | None = None
    # The viewer's relations to those statuses (None: an anonymous viewer).
    relations: PageRelations | None = None


def visible_by(viewer_id: int, statuses: list[Status], relations: PageRelations) -> set[int]:
    """`visibility.visible_among`, given the page's relations."""
    return visible_among(
        viewer_id,
        statuses,
        relations.shunning,
        relations.suspended,
        relations.following,
        relations.mentioned,
    )


async def load_page_relations(
    ctx: Context, viewer_id: int, statuses: Iterable[Status], *, filters_version: bool = False
) -> PageRelations:
    """Everything the viewer's relations decide about these statuses, in one query: who
    blocks or mutes whom, suspended authors, the follows and mentions that private and direct
    statuses need (`visibility`), and the viewer's likes, retweets, bookmarks, pins and muted
    conversations (the serializer's flags); with `filters_version`, the viewer's filters
    version too (`filtering.account_filters`)."""
    statuses = list(statuses)
    restricted = restricted_among(viewer_id, statuses)
    wanted = RelationsWanted(
        others=involved_accounts(viewer_id, statuses),
        authors={s.account_id for s in statuses},
        restricted_authors={s.account_id for s in restricted},
        restricted_ids=[s.id for s in restricted],
        status_ids=[s.id for s in statuses],
        conversation_ids={s.conversation_id for s in statuses if s.conversation_id is not None},
        filters_version=filters_version,
    )
    return await ctx.store.get_page_relations(viewer_id, wanted, ctx.now())


async def load_visible(
    ctx: Context,
    ids: Iterable[int],
    viewer_id: int | None,
    *,
    loaded: Loaded | None = None,
    screen: bool = False,
    filter_context: str | None = None,
) -> list[Status]:
    """The statuses with these ids that still exist and the viewer may see, in the given order.
    A retweet is visible only if its original is too. `loaded`, if given, receives what was
    fetched and judged (for `load_bundle`). With `screen` (timelines, threads, search), also
    without what the viewer blocks or mutes (`visibility.screened_ids`). With `filter_context`
    (home, notifications, public, thread, account), also without what the viewer's `hide`
    filters of that context match; `loaded` then carries those filters, for `filtered`."""
    ids = list(ids)
    found = await ctx.store.get_statuses(ids)
    originals = await load_originals(ctx, found.values())
    everything = [*found.values(), *originals.values()]
    relations = None
    if viewer_id is None:
        shunning = Shunning()
        visible = await visible_ids(ctx, viewer_id, everything, shunning=shunning)
    else:
        relations = await load_page_relations(
            ctx, viewer_id, everything, filters_version=filter_context is not None
        )
        shunning = relations.shunning
        visible = visible_by(viewer_id, everything, relations)
    if screen:
        visible -= screened_ids(viewer_id, shunning, found.values(), originals)
    version = relations.filters_version if relations is not None else None
    compiled = await context_filters(ctx, viewer_id, filter_context, version=version)
    if loaded is not None:
        loaded.viewer_id = viewer_id
        loaded.statuses.update(originals)
        loaded.statuses.update(found)
        loaded.visible |= visible
        loaded.filters = compiled
        loaded.relations = relations
    shown = [
        found[i]
        for i in ids
        if i in found
        and i in visible
        and (found[i].reblog_of_id is None or found[i].reblog_of_id in visible)
    ]
    if compiled is not None and any(r.filter.action == "hide" for r in compiled.rules):
        results = await filter_results(ctx, compiled, shown, viewer_id)
        shown = [s for s in shown if not hides(results.get(s.id, ()))]
    return shown


async def load_notification_bundle(
    ctx: Context, rows: Iterable[Notification], viewer_id: int
) -> StatusBundle:
    """Everything to show a page of notifications: their tweets, streams and senders."""
    rows = list(rows)
    statuses = await ctx.store.get_statuses(n.status_id for n in rows if n.status_id is not None)
    reports = {}
    for report_id in {n.report_id for n in rows if n.report_id is not None}:
        if (report := await ctx.store.get_report(report_id)) is not None:
            reports[report_id] = report
    bundle = await load_bundle(
        ctx,
        statuses.values(),
        viewer_id,
        extra_account_ids=[n.from_account_id for n in rows]
        + [r.target_account_id for r in reports.values()],
        filter_context="notifications",
    )
    bundle.reports = reports
    bundle.streams = await ctx.store.get_live_streams(
        n.stream_id for n in rows if n.stream_id is not None
    )
    bundle.playback = {i: playback_url(ctx, s) for i, s in bundle.streams.items()}
    return bundle
