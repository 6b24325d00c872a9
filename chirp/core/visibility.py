"""Who may see a tweet. One rule, applied on every read path (single reads, timelines, threads,
search, notifications):

- public, unlisted: everyone;
- private (followers only): the author, their followers, and accounts it mentions;
- direct: the author and accounts it mentions;
- never a suspended account's tweets (`suspended_among`), to anyone;
- a silenced account's tweets stay out of the public and hashtag timelines and streams, and
  its notifications out of non-followers' lists (`silenced_for`).
"""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.context import Context
from chirp.core.models import Status


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


async def visible_ids(ctx: Context, viewer_id: int | None, statuses: Iterable[Status]) -> set[int]:
    """Ids of the statuses the viewer may see, in a constant number of queries."""
    statuses = list(statuses)
    restricted = [
        s for s in statuses if s.visibility in ("private", "direct") and s.account_id != viewer_id
    ]
    follows: set[int] = set()
    mentioned: set[int] = set()
    gone = await suspended_among(ctx, {s.account_id for s in statuses})
    if restricted and viewer_id is not None:
        relations = await ctx.store.get_relationships(viewer_id, {s.account_id for s in restricted})
        follows = {a for a, r in relations.items() if r.following is not None}
        mentioned = await ctx.store.get_mentioned_status_ids(viewer_id, (s.id for s in restricted))
    return {
        s.id
        for s in statuses
        if s.account_id not in gone
        and can_see(
            viewer_id, s, follows_author=s.account_id in follows, mentioned=s.id in mentioned
        )
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
