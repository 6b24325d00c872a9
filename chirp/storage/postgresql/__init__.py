"""The PostgreSQL store (psycopg 3, async, pooled): for deployments of many nodes sharing one
database (Cloud SQL). See docs/postgresql.md for its design."""

from __future__ import annotations

from typing import cast

from chirp.storage.postgresql.db import PgDatabase
from chirp.storage.postgresql.outbox import PgOutbox
from chirp.storage.postgresql.search import PgSearch
from chirp.storage.postgresql.statuses import PgStatuses
from chirp.storage.postgresql.timelines import PgTimelines
from chirp.storage.sqlite import records
from chirp.storage.sqlite.accounts import ACCOUNT_COLUMNS, SqliteAccounts, account_from_values
from chirp.storage.sqlite.announcements import SqliteAnnouncements
from chirp.storage.sqlite.apps import SqliteApps
from chirp.storage.sqlite.blocks import SqliteBlocks
from chirp.storage.sqlite.cards import SqliteCards
from chirp.storage.sqlite.conversation_mutes import SqliteConversationMutes
from chirp.storage.sqlite.conversations import SqliteConversations
from chirp.storage.sqlite.db import Database
from chirp.storage.sqlite.emojis import SqliteCustomEmojis
from chirp.storage.sqlite.engagement import SqliteEngagement
from chirp.storage.sqlite.filters import SqliteFilters
from chirp.storage.sqlite.follow_requests import SqliteFollowRequests
from chirp.storage.sqlite.follows import SqliteFollows
from chirp.storage.sqlite.instance import SqliteInstance
from chirp.storage.sqlite.links import SqliteLinks
from chirp.storage.sqlite.lists import SqliteLists
from chirp.storage.sqlite.live_chat import SqliteLiveChat
from chirp.storage.sqlite.live_chat_moderation import SqliteLiveChatModeration
from chirp.storage.sqlite.live_keys import SqliteLiveKeys
from chirp.storage.sqlite.live_streams import SqliteLiveStreams
from chirp.storage.sqlite.live_viewers import SqliteLiveViewers
from chirp.storage.sqlite.markers import SqliteMarkers
from chirp.storage.sqlite.media import SqliteMedia
from chirp.storage.sqlite.moderation import SqliteModeration
from chirp.storage.sqlite.notification_filters import SqliteNotificationFilters
from chirp.storage.sqlite.notification_groups import SqliteNotificationGroups
from chirp.storage.sqlite.notifications import SqliteNotifications
from chirp.storage.sqlite.polls import SqlitePolls
from chirp.storage.sqlite.profiles import SqliteProfileImages
from chirp.storage.sqlite.records import FollowerLists, VersionedRecords
from chirp.storage.sqlite.relations import SqlitePageRelations
from chirp.storage.sqlite.scheduled_statuses import SqliteScheduledStatuses
from chirp.storage.sqlite.statuses import STATUS_COLUMNS, SqliteStatuses, status_from_values
from chirp.storage.sqlite.tags import SqliteTags
from chirp.storage.sqlite.tokens import SqliteTokens
from chirp.storage.sqlite.web_push import SqliteWebPush


class PostgresStore(
    PgTimelines,
    PgSearch,
    PgOutbox,
    PgStatuses,
    SqliteApps,
    SqliteAccounts,
    SqliteTokens,
    SqliteStatuses,
    SqliteEngagement,
    SqliteFollows,
    SqliteNotifications,
    SqliteMedia,
    SqliteLiveStreams,
    SqliteLiveKeys,
    SqliteLiveViewers,
    SqliteLiveChat,
    SqliteLiveChatModeration,
    SqliteMarkers,
    SqliteCustomEmojis,
    SqliteAnnouncements,
    SqliteFollowRequests,
    SqliteProfileImages,
    SqliteNotificationGroups,
    SqliteNotificationFilters,
    SqliteConversationMutes,
    SqliteInstance,
    SqliteTags,
    SqliteLinks,
    SqliteModeration,
    SqliteBlocks,
    SqlitePolls,
    SqliteScheduledStatuses,
    SqliteWebPush,
    SqlitePageRelations,
    SqliteLists,
    SqliteConversations,
    SqliteFilters,
    SqliteCards,
):
    """Implements `chirp.core.ports.store.Store`. The aggregates the two SQL stores share run their
    statements through `dialect.translate`; home feeds, the outbox and search are PostgreSQL's
    own (`timelines`, `outbox`, `search`)."""

    def __init__(self, db: PgDatabase) -> None:
        self.pg = db
        # The aggregate code is typed against the SQLite `Database`; `PgDatabase` offers the
        # same methods. The feeds live in the same database (no second file to write apart).
        self.db = self.feeds = cast(Database, db)
        self.status_records = VersionedRecords(
            "statuses", STATUS_COLUMNS, status_from_values, records.STATUSES
        )
        self.account_records = VersionedRecords(
            "accounts", ACCOUNT_COLUMNS, account_from_values, records.ACCOUNTS
        )
        self.follower_lists = FollowerLists()

    @classmethod
    async def open(cls, url: str, *, min_pool: int = 2, max_pool: int = 10) -> PostgresStore:
        return cls(await PgDatabase.open(url, min_size=min_pool, max_size=max_pool))

    async def ping(self) -> None:
        await self.pg.fetchval("SELECT 1")

    async def lead_dispatch(self) -> bool:
        return True  # leases per event (SKIP LOCKED): every node's dispatcher takes its share

    async def close(self) -> None:
        await self.pg.close()


__all__ = ["PostgresStore"]
