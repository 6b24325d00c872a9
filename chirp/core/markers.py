"""Timeline markers: where a user stopped reading `home` and `notifications`, so every client
of theirs resumes at the same place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chirp.core.context import Context
from chirp.core.models import Account, Marker

TIMELINES = ("home", "notifications")


async def get_markers(
    ctx: Context, account: Account, timelines: Iterable[str]
) -> dict[str, Marker]:
    """The saved markers among `timelines` (unknown names are ignored, as Mastodon does)."""
    wanted = [name for name in dict.fromkeys(timelines) if name in TIMELINES]
    return await ctx.store.get_markers(account.id, wanted)


async def save_markers(
    ctx: Context, account: Account, positions: Mapping[str, int]
) -> dict[str, Marker]:
    """Move each named timeline's marker to its last read id (idempotent for one position)."""
    at = ctx.now()
    return {
        timeline: await ctx.store.save_marker(account.id, timeline, last_read_id, at)
        for timeline, last_read_id in positions.items()
        if timeline in TIMELINES
    }
