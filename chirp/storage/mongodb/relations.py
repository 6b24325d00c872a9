"""A page's viewer relations on MongoDB: the per-relation reads, one after the other (a
collection per relation; `$unionWith` would save round trips, not the server's work)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from chirp.core.ports.relations import PageRelations, RelationsWanted
from chirp.storage.mongodb.base import MongoBase

if TYPE_CHECKING:
    from chirp.core.ports.store import Store


class MongoPageRelations(MongoBase):
    async def get_page_relations(
        self, viewer_id: int, wanted: RelationsWanted, now: datetime
    ) -> PageRelations:
        store = cast("Store", self)
        found = PageRelations()
        if wanted.others:
            found.shunning = await store.get_shunning(viewer_id, wanted.others, now)
        if wanted.authors:
            moderations = await store.get_moderations(wanted.authors)
            found.suspended = {a for a, m in moderations.items() if m.suspended_at is not None}
        if wanted.restricted_authors:
            relations = await store.get_relationships(viewer_id, wanted.restricted_authors)
            found.following = {a for a, r in relations.items() if r.following is not None}
        if wanted.restricted_ids:
            found.mentioned = await store.get_mentioned_status_ids(viewer_id, wanted.restricted_ids)
        if wanted.status_ids:
            found.viewer = await store.get_viewer_state(viewer_id, wanted.status_ids)
        if wanted.conversation_ids:
            found.muted_conversations = await store.get_muted_conversations(
                viewer_id, wanted.conversation_ids
            )
        if wanted.filters_version:
            found.filters_version = await store.filters_version(viewer_id)
        return found
