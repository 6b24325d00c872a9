"""The MongoDB backend (PyMongo's native async API): a replica set or sharded cluster shared
by many Chirp nodes. See docs/mongodb.md for the data model, indexes and shard keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from chirp.storage.mongodb.accounts import MongoAccounts
from chirp.storage.mongodb.announcements import MongoAnnouncements
from chirp.storage.mongodb.apps import MongoApps
from chirp.storage.mongodb.base import Doc
from chirp.storage.mongodb.blocks import MongoBlocks
from chirp.storage.mongodb.cards import MongoCards
from chirp.storage.mongodb.conversation_mutes import MongoConversationMutes
from chirp.storage.mongodb.conversations import MongoConversations
from chirp.storage.mongodb.emojis import MongoCustomEmojis
from chirp.storage.mongodb.engagement import MongoEngagement
from chirp.storage.mongodb.filters import MongoFilters
from chirp.storage.mongodb.follow_requests import MongoFollowRequests
from chirp.storage.mongodb.follows import MongoFollows
from chirp.storage.mongodb.instance import MongoInstance
from chirp.storage.mongodb.links import MongoLinks, add_missing_link_keys
from chirp.storage.mongodb.lists import MongoLists
from chirp.storage.mongodb.live_chat import MongoLiveChat
from chirp.storage.mongodb.live_chat_moderation import MongoLiveChatModeration
from chirp.storage.mongodb.live_keys import MongoLiveKeys
from chirp.storage.mongodb.live_streams import MongoLiveStreams
from chirp.storage.mongodb.live_viewers import MongoLiveViewers
from chirp.storage.mongodb.markers import MongoMarkers
from chirp.storage.mongodb.media import MongoMedia
from chirp.storage.mongodb.moderation import MongoModeration
from chirp.storage.mongodb.notification_filters import MongoNotificationFilters
from chirp.storage.mongodb.notification_groups import MongoNotificationGroups
from chirp.storage.mongodb.notifications import MongoNotifications
from chirp.storage.mongodb.outbox import MongoOutbox
from chirp.storage.mongodb.polls import MongoPolls
from chirp.storage.mongodb.profiles import MongoProfileImages
from chirp.storage.mongodb.relations import MongoPageRelations
from chirp.storage.mongodb.scheduled_statuses import MongoScheduledStatuses
from chirp.storage.mongodb.schema import init_indexes
from chirp.storage.mongodb.search import MongoSearch
from chirp.storage.mongodb.statuses import MongoStatuses
from chirp.storage.mongodb.tags import MongoTags
from chirp.storage.mongodb.timelines import MongoTimelines
from chirp.storage.mongodb.tokens import MongoTokens
from chirp.storage.mongodb.web_push import MongoWebPush


@dataclass(frozen=True, slots=True)
class MongoOptions:
    """Connection settings (from `CHIRP_MONGODB_*`); `database` empty: the URI's, else `chirp`."""

    database: str = ""
    max_pool_size: int = 100
    min_pool_size: int = 0
    connect_timeout_seconds: float = 10.0
    server_selection_timeout_seconds: float = 30.0
    timeout_seconds: float = 0.0  # client-side operation timeout (CSOT); 0: none
    init_indexes: bool = True  # create missing indexes when the store opens

    def client_kwargs(self) -> dict[str, Any]:
        """Majority writes and retryable reads and writes by default: an acknowledged write
        survives a primary failover, and a blip during an election is retried once."""
        kwargs: dict[str, Any] = {
            "w": "majority",
            "retryWrites": True,
            "retryReads": True,
            "maxPoolSize": self.max_pool_size,
            "minPoolSize": self.min_pool_size,
            "connectTimeoutMS": int(self.connect_timeout_seconds * 1000),
            "serverSelectionTimeoutMS": int(self.server_selection_timeout_seconds * 1000),
            "appname": "chirp",
        }
        if self.timeout_seconds > 0:
            kwargs["timeoutMS"] = int(self.timeout_seconds * 1000)
        return kwargs


class MongoStore(
    MongoApps,
    MongoAccounts,
    MongoTokens,
    MongoStatuses,
    MongoEngagement,
    MongoFollows,
    MongoTimelines,
    MongoNotifications,
    MongoSearch,
    MongoOutbox,
    MongoMedia,
    MongoLiveStreams,
    MongoLiveKeys,
    MongoLiveViewers,
    MongoLiveChat,
    MongoLiveChatModeration,
    MongoMarkers,
    MongoCustomEmojis,
    MongoAnnouncements,
    MongoFollowRequests,
    MongoProfileImages,
    MongoNotificationGroups,
    MongoNotificationFilters,
    MongoConversationMutes,
    MongoInstance,
    MongoTags,
    MongoLinks,
    MongoModeration,
    MongoBlocks,
    MongoPolls,
    MongoScheduledStatuses,
    MongoLists,
    MongoConversations,
    MongoFilters,
    MongoCards,
    MongoWebPush,
    MongoPageRelations,
):
    """Implements `chirp.core.ports.store.Store`; one mixin per aggregate. Holds the process's one
    client (a connection pool per server) and closes it on `close`."""

    def __init__(self, client: AsyncMongoClient[Doc], db: AsyncDatabase[Doc]) -> None:
        self.client = client
        self.db = db

    @classmethod
    async def open(cls, url: str, options: MongoOptions | None = None) -> MongoStore:
        options = options or MongoOptions()
        client: AsyncMongoClient[Doc] = AsyncMongoClient(url, **options.client_kwargs())
        try:
            name = options.database or client.get_default_database("chirp").name
            store = cls(client, client[name])
            if options.init_indexes:
                await init_indexes(store.db)
                await add_missing_link_keys(store.db)  # tweets stored before the link timeline
        except BaseException:
            await client.close()
            raise
        return store

    async def ping(self) -> None:
        await self.db.command("ping")

    async def lead_dispatch(self) -> bool:
        return True  # leases per event; every node's dispatcher takes its share

    async def close(self) -> None:
        await self.client.close()


__all__ = ["MongoOptions", "MongoStore"]
