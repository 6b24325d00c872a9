"""The embedded SQLite backend (aiosqlite): the zero-set-up default store."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from typing import Any

from chirp.storage.sqlite import records
from chirp.storage.sqlite.accounts import ACCOUNT_COLUMNS, SqliteAccounts, account_from_values
from chirp.storage.sqlite.announcements import SqliteAnnouncements
from chirp.storage.sqlite.apps import SqliteApps
from chirp.storage.sqlite.blocks import SqliteBlocks
from chirp.storage.sqlite.cards import SqliteCards
from chirp.storage.sqlite.conversation_mutes import SqliteConversationMutes
from chirp.storage.sqlite.conversations import SqliteConversations
from chirp.storage.sqlite.db import Database, make_scratch_dir
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
from chirp.storage.sqlite.outbox import SqliteOutbox
from chirp.storage.sqlite.polls import SqlitePolls
from chirp.storage.sqlite.profiles import SqliteProfileImages
from chirp.storage.sqlite.records import FollowerLists, VersionedRecords
from chirp.storage.sqlite.relations import SqlitePageRelations
from chirp.storage.sqlite.scheduled_statuses import SqliteScheduledStatuses
from chirp.storage.sqlite.search import SqliteSearch
from chirp.storage.sqlite.statuses import STATUS_COLUMNS, SqliteStatuses, status_from_values
from chirp.storage.sqlite.tags import SqliteTags
from chirp.storage.sqlite.timelines import SqliteTimelines
from chirp.storage.sqlite.tokens import SqliteTokens
from chirp.storage.sqlite.web_push import SqliteWebPush


class SqliteStore(
    SqliteApps,
    SqliteAccounts,
    SqliteTokens,
    SqliteStatuses,
    SqliteEngagement,
    SqliteFollows,
    SqliteTimelines,
    SqliteNotifications,
    SqliteSearch,
    SqliteOutbox,
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
    SqliteLists,
    SqliteConversations,
    SqliteFilters,
    SqliteCards,
    SqliteWebPush,
    SqlitePageRelations,
):
    """Implements `chirp.core.ports.store.Store`; one mixin per aggregate."""

    def __init__(self, db: Database, feeds: Database, scratch_dir: str | None = None) -> None:
        self.db = db
        self.feeds = feeds
        self._scratch_dir = scratch_dir
        self._dispatch_lock = -1
        self.status_records = VersionedRecords(
            "statuses", STATUS_COLUMNS, status_from_values, records.STATUSES
        )
        self.account_records = VersionedRecords(
            "accounts", ACCOUNT_COLUMNS, account_from_values, records.ACCOUNTS
        )
        self.follower_lists = FollowerLists()

    @classmethod
    async def open(cls, path: str) -> SqliteStore:
        """The store in the database file at `path` (":memory:": throwaway files) and its home
        feeds in a second file beside it, `<name>-feeds.db`: SQLite has one write lock per
        file, and a fan-out writing ~1,000 feed rows a tweet held it long enough that posts
        queued behind it. Apart, the two writers run side by side; readers attach the feeds'
        file to join them with tweets, and the fan-out's transactions read the main file's
        follows and tweets (attached read-only, so they never take its write lock)."""
        scratch_dir = None
        if path == ":memory:":
            scratch_dir = make_scratch_dir()
            path = str(Path(scratch_dir) / "chirp.db")
        feeds_path = feeds_file(path)
        existed = Path(path).exists()  # noqa: ASYNC240 (one stat, at start-up)
        feeds = await Database.open(feeds_path, readers=1, schema="feeds_migrations")
        db = None
        try:
            if existed:
                await feeds.writes_read("core", path)
                await _move_home_feeds(feeds)  # before migration 0010 drops the old table
            db = await Database.open(path, readers_see={"feeds": feeds_path})
            if not existed:
                await feeds.writes_read("core", path)
        except BaseException:
            await feeds.close()
            if db is not None:
                await db.close()
            if scratch_dir:
                shutil.rmtree(scratch_dir, ignore_errors=True)
            raise
        return cls(db, feeds, scratch_dir)

    async def ping(self) -> None:
        await self.db.fetchval("SELECT 1")

    async def lead_dispatch(self) -> bool:
        if self._dispatch_lock < 0:
            fd = os.open(
                self.db.path + "-dispatcher.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644
            )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self._dispatch_lock = fd  # held until the store closes (or the process ends)
        return True

    async def close(self) -> None:
        if self._dispatch_lock >= 0:
            os.close(self._dispatch_lock)
            self._dispatch_lock = -1
        # The feeds first: their writer has the main file open read-only, and the last
        # connection to close a file must be able to write it to fold its WAL back in (the
        # main file's readers, which close last, have the feeds' file open to write).
        try:
            await self.feeds.close()
        finally:
            await self.db.close()
            if self._scratch_dir:
                shutil.rmtree(self._scratch_dir, ignore_errors=True)


def feeds_file(path: str) -> str:
    """The home feeds' database file of the store at `path`: `chirp.db` -> `chirp-feeds.db`."""
    main = Path(path)
    return str(main.with_name(f"{main.stem}-feeds{main.suffix}"))


async def _move_home_feeds(feeds: Database) -> None:
    """Copy the feeds of a store made before they had their own file (up to migration 0009)
    into it. Committed before the main file's migration drops them there; again after a crash
    in between, harmlessly (`OR IGNORE`)."""

    async def move(tx: Any) -> None:
        cursor = await tx.execute(
            "SELECT 1 FROM core.sqlite_master WHERE type = 'table' AND name = 'home_feed'"
        )
        if await cursor.fetchone():
            await tx.execute(
                "INSERT OR IGNORE INTO main.home_feed(owner_id, status_id, author_id,"
                " reblog_of_id) SELECT owner_id, status_id, author_id, reblog_of_id"
                " FROM core.home_feed"
            )

    await feeds.write(move)
