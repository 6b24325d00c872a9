"""What one viewer's relations decide about a page of tweets, read at once (as Mastodon
preloads its relationship maps): blocks and mutes, follows and mentions for the restricted
tweets, likes, retweets, bookmarks and pins, muted conversations, and suspended authors."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chirp.core.ports.blocks import Shunning
from chirp.core.ports.engagement import ViewerState


@dataclass(frozen=True, slots=True)
class RelationsWanted:
    """The ids a page involves, each set for the relations read about it."""

    others: Collection[int] = ()  # accounts the page involves: blocks and mutes both ways
    authors: Collection[int] = ()  # which of them are suspended
    restricted_authors: Collection[int] = ()  # authors of private tweets: does the viewer follow
    restricted_ids: Collection[int] = ()  # private and direct tweets: do they mention the viewer
    status_ids: Collection[int] = ()  # the viewer's likes, retweets, bookmarks and pins
    conversation_ids: Collection[int] = ()  # muted by the viewer
    filters_version: bool = False  # the viewer's (`FilterStore.filters_version`)


@dataclass(slots=True)
class PageRelations:
    shunning: Shunning = field(default_factory=Shunning)
    suspended: set[int] = field(default_factory=set)
    following: set[int] = field(default_factory=set)
    mentioned: set[int] = field(default_factory=set)
    viewer: ViewerState = field(default_factory=ViewerState)
    muted_conversations: set[int] = field(default_factory=set)
    filters_version: int | None = None  # when asked: 0 before the viewer's first filter


class PageRelationStore(Protocol):
    async def get_page_relations(
        self, viewer_id: int, wanted: RelationsWanted, now: datetime
    ) -> PageRelations:
        """Everything `wanted` asks about the viewer in one round trip (mutes in force at
        `now`): the same answers as `get_shunning`, `get_moderations`, `get_relationships`,
        `get_mentioned_status_ids`, `get_viewer_state`, `get_muted_conversations` and
        `filters_version`."""
        ...
