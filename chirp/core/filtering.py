"""Applying an account's content filters to the tweets it reads: compiled once per account
(`filter_matching`), `hide` filters leave the tweets out, the others become `filtered` results."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chirp.core.context import Context
from chirp.core.filter_matching import (
    EMPTY,
    ContextFilters,
    FilterMatch,
    FilterSet,
    hides,
    subject_text,
)
from chirp.core.models import MediaAttachment, Poll, Status
from chirp.core.originals import load_originals, original_of


async def account_filters(
    ctx: Context, account_id: int | None, *, version: int | None = None
) -> FilterSet:
    """The account's filters, compiled: one read of the account's filters version (unless the
    caller read it, `version`), and of the filters themselves only after a write changed them."""
    if account_id is None:
        return EMPTY
    if version is None:
        version = await ctx.store.filters_version(account_id)
    if version == 0:
        return EMPTY  # never had a filter
    found = ctx.filter_cache.get(account_id, version)
    if found is None:
        # Read after the version: at least as new as it (a newer read is compiled again later).
        found = ctx.filter_cache.put(account_id, version, await ctx.store.get_filters(account_id))
    return found


async def context_filters(
    ctx: Context, account_id: int | None, context: str | None, *, version: int | None = None
) -> ContextFilters | None:
    if context is None or account_id is None:
        return None
    return (await account_filters(ctx, account_id, version=version)).context(context)


def match_statuses(
    compiled: ContextFilters,
    statuses: Iterable[Status],
    originals: dict[int, Status],
    polls: dict[int, Poll],
    media: dict[int, MediaAttachment],
    now: datetime,
    viewer_id: int | None,
) -> dict[int, list[FilterMatch]]:
    """The filter results of each tweet that has any, by tweet id (a retweet's under both its
    id and its original's, as Mastodon's): matched on the original's text. The viewer's own
    tweets and retweets are never filtered (as Mastodon's, and the streams: `hub`)."""
    found: dict[int, list[FilterMatch]] = {}
    for status in statuses:
        if status.account_id == viewer_id:
            continue
        subject = original_of(status, originals)
        text = subject_text(
            subject, polls.get(subject.id), (media[m] for m in subject.media_ids if m in media)
        )
        ids = (status.id, subject.id) if subject.id != status.id else (status.id,)
        matches = compiled.match(ids, text, now)
        if matches:
            for i in ids:
                found[i] = matches
    return found


async def filter_results(
    ctx: Context,
    compiled: ContextFilters | None,
    statuses: Iterable[Status],
    viewer_id: int | None,
) -> dict[int, list[FilterMatch]]:
    """`match_statuses`, loading the originals, polls and media descriptions it needs."""
    statuses = list(statuses)
    if compiled is None or not statuses:
        return {}
    originals = await load_originals(ctx, statuses)
    subjects = [original_of(s, originals) for s in statuses]
    polls: dict[int, Poll] = {}
    media: dict[int, MediaAttachment] = {}
    if compiled.any_keyword is not None:
        polls = await ctx.store.get_polls_of_statuses(s.id for s in subjects)
        media = await ctx.store.get_media_batch(m for s in subjects for m in s.media_ids)
    return match_statuses(compiled, statuses, originals, polls, media, ctx.now(), viewer_id)


async def without_hidden(
    ctx: Context, viewer_id: int | None, context: str, statuses: list[Status]
) -> list[Status]:
    """The statuses, less those a `hide` filter of the viewer's matches in this context."""
    compiled = await context_filters(ctx, viewer_id, context)
    if compiled is None or not any(r.filter.action == "hide" for r in compiled.rules):
        return statuses
    results = await filter_results(ctx, compiled, statuses, viewer_id)
    return [s for s in statuses if not hides(results.get(s.id, ()))]
