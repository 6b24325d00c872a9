"""Announcements on the `user` streams, as Mastodon's streaming server sends them:

    announcement.published -> `announcement` (the Announcement, as nobody in particular sees it)
    announcement.reaction  -> `announcement.reaction` ({name, count, announcement_id})
    announcement.deleted   -> `announcement.delete` (the id)

Every user's `user` stream carries them, so they go to one topic that each `user`
subscription also listens to (`chirp.realtime.subscriptions.companions`), not to a topic per account.
"""

from __future__ import annotations

from chirp.core import topics
from chirp.core.announcements import get_announcement_view
from chirp.core.context import Context
from chirp.core.dispatch import Batch
from chirp.core.events import AnnouncementDeleted, AnnouncementPublished, AnnouncementReaction
from chirp.core.ports.bus import EventBus
from chirp.realtime.publish import dumps, publish_surely
from chirp.serializers.announcements import announcement_json


class AnnouncementPushes:
    """One push per announcement event, to every `user` stream (held while the bus is away, as
    every push from the outbox): steps of `side_effects.Pushes`."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    async def published(self, ctx: Context, event: AnnouncementPublished, batch: Batch) -> None:
        found = await get_announcement_view(ctx, event.announcement_id)
        if found is None:  # withdrawn meanwhile: its `announcement.delete` follows
            return
        body = announcement_json(found.views[0], found.emoji_set, ctx.settings)
        await publish_surely(self.bus, [topics.ANNOUNCEMENTS], "announcement", dumps(body))

    async def reacted(self, ctx: Context, event: AnnouncementReaction, batch: Batch) -> None:
        name, announcement_id = event.name, event.announcement_id
        counts = (await ctx.store.announcement_reactions([announcement_id], None)).get(
            announcement_id, []
        )
        count = next((r.count for r in counts if r.name == name), 0)
        body = {"name": name, "count": count, "announcement_id": str(announcement_id)}
        await publish_surely(self.bus, [topics.ANNOUNCEMENTS], "announcement.reaction", dumps(body))

    async def deleted(self, ctx: Context, event: AnnouncementDeleted, batch: Batch) -> None:
        await publish_surely(
            self.bus, [topics.ANNOUNCEMENTS], "announcement.delete", str(event.announcement_id)
        )
