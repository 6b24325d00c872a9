"""Everything the domain persists: the per-aggregate ports composed. Each backend implements `Store`
and must pass the conformance suites in `tests/storage/`. Methods are atomic on their own: a use case
never needs a transaction that spans two calls."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from chirp.core.ports.accounts import AccountStore, InstanceStatsStore, ProfileImageStore
from chirp.core.ports.announcements import AnnouncementStore
from chirp.core.ports.apps import AppStore
from chirp.core.ports.blocks import BlockMuteStore
from chirp.core.ports.cards import CardStore
from chirp.core.ports.conversations import ConversationMuteStore
from chirp.core.ports.direct_conversations import ConversationStore
from chirp.core.ports.emojis import CustomEmojiStore
from chirp.core.ports.engagement import EngagementStore
from chirp.core.ports.filters import FilterStore
from chirp.core.ports.follows import FollowRequestStore, FollowStore
from chirp.core.ports.lists import ListStore
from chirp.core.ports.live_chat import LiveChatStore
from chirp.core.ports.live_chat_moderation import LiveChatModerationStore
from chirp.core.ports.live_keys import LiveKeyStore
from chirp.core.ports.live_streams import LiveStreamStore
from chirp.core.ports.live_viewers import LiveViewerStore
from chirp.core.ports.markers import MarkerStore
from chirp.core.ports.media import MediaRemovalStore, MediaStore
from chirp.core.ports.moderation import ModerationStore
from chirp.core.ports.notifications import (
    NotificationFilterStore,
    NotificationGroupStore,
    NotificationStore,
)
from chirp.core.ports.outbox import OutboxStore
from chirp.core.ports.polls import PollStore
from chirp.core.ports.relations import PageRelationStore
from chirp.core.ports.scheduled_statuses import ScheduledStatusStore
from chirp.core.ports.search import SearchStore
from chirp.core.ports.statuses import StatusStore
from chirp.core.ports.tags import LinkStore, TagStore
from chirp.core.ports.timelines import TimelineStore
from chirp.core.ports.tokens import TokenStore
from chirp.core.ports.web_push import PushSubscriptionStore


@runtime_checkable
class Store(
    AppStore,
    AccountStore,
    TokenStore,
    StatusStore,
    EngagementStore,
    FollowStore,
    TimelineStore,
    NotificationStore,
    SearchStore,
    OutboxStore,
    MediaStore,
    LiveStreamStore,
    LiveKeyStore,
    LiveViewerStore,
    LiveChatStore,
    LiveChatModerationStore,
    MarkerStore,
    CustomEmojiStore,
    AnnouncementStore,
    FollowRequestStore,
    ProfileImageStore,
    NotificationGroupStore,
    NotificationFilterStore,
    ConversationMuteStore,
    InstanceStatsStore,
    TagStore,
    LinkStore,
    MediaRemovalStore,
    ModerationStore,
    BlockMuteStore,
    PollStore,
    ScheduledStatusStore,
    ListStore,
    ConversationStore,
    FilterStore,
    CardStore,
    PushSubscriptionStore,
    PageRelationStore,
    Protocol,
):
    """Everything the domain persists. Backends compose the per-aggregate parts."""

    async def ping(self) -> None:
        """Raise if the database is unreachable (used by health checks)."""
        ...

    async def lead_dispatch(self) -> bool:
        """Whether this process should run the outbox dispatcher now. True where dispatchers on
        every node share the outbox well (MongoDB). The SQLite store lets one process per file
        dispatch at a time (until its store closes): dispatchers in two worker processes fan
        out to the same feeds, and the feeds' write lock and pages went back and forth."""
        ...

    async def close(self) -> None: ...
