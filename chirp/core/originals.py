"""The original of a retweet: acting on a retweet, or judging it, means its original (as in
Mastodon). One tweet as a viewer asks for it: `statuses.get_original_tweet` (404 unless the viewer
may see both). A batch: `load_originals` reads them at once, `original_of` picks each one's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chirp.core.context import Context
from chirp.core.models import Status


def original_of(status: Status, originals: Mapping[int, Status]) -> Status:
    """What the tweet is about: a retweet's original (from `originals`, by id; the retweet
    itself if its original is not there, e.g. deleted), else the tweet itself."""
    if status.reblog_of_id is None:
        return status
    return originals.get(status.reblog_of_id, status)


async def load_originals(ctx: Context, statuses: Iterable[Status]) -> dict[int, Status]:
    """The originals of the retweets among `statuses`, by id (one read)."""
    return await ctx.store.get_statuses(
        s.reblog_of_id for s in statuses if s.reblog_of_id is not None
    )
