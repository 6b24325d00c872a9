"""Announcements on the `user` streams, as Mastodon's streaming server sends them:

    announcement.published -> `announcement` (the Announcement, as nobody in particular sees it)
    announcement.reaction  -> `announcement.reaction` ({name, count, announcement_id})
    announcement.deleted   -> `announcement.delete` (the id)

Every user's `user` stream carries them, so they go to one topic that each `user`
subscription also listens to (`chirp.realtime.subscriptions.companions`), not to a topic per account.
"""

from __future__ import annotations

from typing import cast

from chirp.core import topics
from chirp.core.announcements import get_announcement_view
from chirp.core.context import Context
from chirp.core.dispatch import Batch, Step
from chirp.core.models import Event
from chirp.core.ports.bus import EventBus
from chirp.realtime.publish import dumps, publish_surely
from chirp.serializers.announcements import announcement_json


def announcement_steps(bus: EventBus) -> dict[str, list[Step]]:
    """One push step per announcement event (held while the bus is away, as every push from the outbox)."""

    async def published(ctx: Context, event: Event, batch: Batch) -> None:
        found = await get_announcement_view(ctx, _id(event))
        if found is None:  # withdrawn meanwhile: its `announcement.delete` follows
            return
        body = announcement_json(found.views[0], found.emoji_set, ctx.settings)
        await publish_surely(bus, [topics.ANNOUNCEMENTS], "announcement", dumps(body))

    async def reacted(ctx: Context, event: Event, batch: Batch) -> None:
        name = cast(str, event.payload["name"])
        counts = (await ctx.store.announcement_reactions([_id(event)], None)).get(_id(event), [])
        count = next((r.count for r in counts if r.name == name), 0)
        body = {"name": name, "count": count, "announcement_id": str(_id(event))}
        await publish_surely(bus, [topics.ANNOUNCEMENTS], "announcement.reaction", dumps(body))

    async def deleted(ctx: Context, event: Event, batch: Batch) -> None:
        await publish_surely(bus, [topics.ANNOUNCEMENTS], "announcement.delete", str(_id(event)))

    return {
        "announcement.published": [published],
        "announcement.reaction": [reacted],
        "announcement.deleted": [deleted],
    }


def _id(event: Event) -> int:
    return cast(int, event.payload["announcement_id"])
