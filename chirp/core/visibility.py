"""Who may see a tweet. One rule, applied on every read path (single reads, timelines, threads,
search, notifications):

- public, unlisted: everyone;
- private (followers only): the author, their followers, and accounts it mentions;
- direct: the author and accounts it mentions;
- never to an account its author blocks (`blocked_from`); lists (timelines, threads, search)
  also leave out what the viewer shuns: see `screened_ids`;
- never a suspended account's tweets (`suspended_among`), to anyone;
- a silenced account's tweets stay out of the public and hashtag timelines and streams, and
  its notifications out of non-followers' lists (`silenced_for`).
"""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.context import Context
from chirp.core.models import Status
from chirp.core.originals import original_of
from chirp.core.ports.blocks import Shunning


def can_see(
    viewer_id: int | None, status: Status, *, follows_author: bool, mentioned: bool
) -> bool:
    if status.visibility in ("public", "unlisted") or viewer_id == status.account_id:
        return True
    if viewer_id is None:
        return False
    if status.visibility == "private":
        return follows_author or mentioned
    return mentioned


async def visible_ids(
    ctx: Context,
    viewer_id: int | None,
    statuses: Iterable[Status],
    *,
    shunning: Shunning | None = None,
) -> set[int]:
    """Ids of the statuses the viewer may see, in a constant number of queries. `shunning`:
    `load_shunning`'s answer for these statuses, if the caller has it already. (A page of a
    signed-in viewer reads all this at once: `views.load_page_relations`.)"""
    statuses = list(statuses)
    if shunning is None:
        shunning = await load_shunning(ctx, viewer_id, statuses)
    restricted = restricted_among(viewer_id, statuses)
    follows: set[int] = set()
    mentioned: set[int] = set()
    gone = await suspended_among(ctx, {s.account_id for s in statuses})
    if restricted and viewer_id is not None:
        relations = await ctx.store.get_relationships(viewer_id, {s.account_id for s in restricted})
        follows = {a for a, r in relations.items() if r.following is not None}
        mentioned = await ctx.store.get_mentioned_status_ids(viewer_id, (s.id for s in restricted))
    return visible_among(viewer_id, statuses, shunning, gone, follows, mentioned)


def restricted_among(viewer_id: int | None, statuses: Iterable[Status]) -> list[Status]:
    """The private and direct statuses not the viewer's own: those that need the viewer's
    follows and mentions to be judged."""
    return [
        s for s in statuses if s.visibility in ("private", "direct") and s.account_id != viewer_id
    ]


def visible_among(
    viewer_id: int | None,
    statuses: Iterable[Status],
    shunning: Shunning,
    suspended: set[int],
    follows: set[int],
    mentioned: set[int],
) -> set[int]:
    """The rule, given what was read: `follows` (authors of restricted statuses the viewer
    follows) and `mentioned` (restricted statuses mentioning the viewer)."""
    statuses = list(statuses)
    blocked = blocked_from(shunning, statuses)
    return {
        s.id
        for s in statuses
        if s.account_id not in suspended
        and can_see(
            viewer_id, s, follows_author=s.account_id in follows, mentioned=s.id in mentioned
        )
        and s.id not in blocked
    }


async def suspended_among(ctx: Context, account_ids: Iterable[int]) -> set[int]:
    """The suspended accounts among these: their profiles, tweets and notifications are shown
    to no one (one query)."""
    found = await ctx.store.get_moderations(account_ids)
    return {a for a, m in found.items() if m.suspended_at is not None}


async def silenced_for(ctx: Context, viewer_id: int | None, account_ids: Iterable[int]) -> set[int]:
    """The silenced accounts among these that the viewer does not follow: their tweets reach
    only their followers (and themselves), not public or hashtag timelines, and they cannot
    notify anyone else."""
    found = await ctx.store.get_moderations(account_ids)
    silenced = {a for a, m in found.items() if m.silenced_at is not None and a != viewer_id}
    if not silenced or viewer_id is None:
        return silenced
    relations = await ctx.store.get_relationships(viewer_id, silenced)
    return {a for a in silenced if a not in relations or relations[a].following is None}


# -- blocks and mutes (chirp.core.blocks) ---------------------------------------------------


async def load_shunning(
    ctx: Context, viewer_id: int | None, statuses: Iterable[Status]
) -> Shunning:
    """Blocks and mutes between the viewer and everyone these statuses involve (authors,
    replied-to and mentioned accounts): one query."""
    if viewer_id is None:
        return Shunning()
    others = involved_accounts(viewer_id, statuses)
    if not others:
        return Shunning()
    return await ctx.store.get_shunning(viewer_id, others, ctx.now())


def involved_accounts(viewer_id: int, statuses: Iterable[Status]) -> set[int]:
    """Everyone these statuses involve but the viewer: authors, replied-to and mentioned."""
    others: set[int] = set()
    for s in statuses:
        others.add(s.account_id)
        others.update(s.mention_ids)
        if s.in_reply_to_account_id is not None:
            others.add(s.in_reply_to_account_id)
    others.discard(viewer_id)
    return others


async def shunned_accounts(
    ctx: Context, viewer_id: int | None, account_ids: Iterable[int]
) -> set[int]:
    """Accounts left out of the lists a viewer reads (search results, followers and following,
    who liked or retweeted a tweet): those the viewer blocks or mutes and those blocking the
    viewer, as Mastodon's `not_excluded_by_account`. Nobody is hidden from anonymous viewers."""
    if viewer_id is None:
        return set()
    others = set(account_ids) - {viewer_id}
    if not others:
        return set()
    return (await ctx.store.get_shunning(viewer_id, others, ctx.now())).hidden()


def blocked_from(shunning: Shunning, statuses: Iterable[Status]) -> set[int]:
    """Statuses whose author blocks the viewer: never shown to them (as Mastodon's policy)."""
    blockers = shunning.blocked_by
    return {s.id for s in statuses if s.account_id in blockers} if blockers else set()


def screened_ids(
    viewer_id: int | None,
    shunning: Shunning,
    statuses: Iterable[Status],
    originals: dict[int, Status],
) -> set[int]:
    """Statuses left out of the viewer's timelines, threads and search results: by or retweeting
    an account the viewer blocks, is blocked by or mutes, or replying to one, or mentioning one
    the viewer blocks or mutes (as Mastodon's home filter). Never the viewer's own.
    `originals`: the retweeted statuses, by id."""
    hidden = shunning.hidden()
    if viewer_id is None or not hidden:
        return set()
    silenced = shunning.blocking | shunning.muting
    screened = set()
    for s in statuses:
        if s.account_id == viewer_id:
            continue
        subject = original_of(s, originals)
        if (
            s.account_id in hidden
            or (subject.account_id in hidden and subject.account_id != viewer_id)
            or subject.in_reply_to_account_id in hidden
            or not silenced.isdisjoint(subject.mention_ids)
        ):
            screened.add(s.id)
    return screened


async def blocks_author(ctx: Context, viewer_id: int, status: Status) -> bool:
    """Whether the viewer blocks the status's author (who may then not be liked, retweeted or
    quoted by them: 403, as Mastodon)."""
    if status.account_id == viewer_id:
        return False
    shunning = await ctx.store.get_shunning(viewer_id, [status.account_id], ctx.now())
    return status.account_id in shunning.blocking
