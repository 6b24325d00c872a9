"""What every use case needs, wired once per process and passed explicitly (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from chirp.config import Settings
from chirp.core.emojis import EmojiCache
from chirp.core.filter_matching import FilterCache
from chirp.core.ids import SnowflakeGenerator
from chirp.core.models import ChatMessage, Conversation
from chirp.core.ports.blobs import BlobStore
from chirp.core.ports.bus import EventBus
from chirp.core.ports.cards import CardFetcher
from chirp.core.ports.media_processing import MediaProcessor
from chirp.core.ports.store import Store
from chirp.core.ports.video import LivePlayback
from chirp.core.secrets import Passwords

if TYPE_CHECKING:
    from chirp.core.backlog import OutboxGate
    from chirp.core.cards import CardQueue
    from chirp.core.web_push import PushKeys


class LivePush(Protocol):
    """Realtime delivery of live-stream chat and viewer counts (`chirp.realtime.live`): chat
    goes out at once, not through the outbox, as a chat line is worth nothing a minute late."""

    async def chat(self, message: ChatMessage) -> None: ...

    async def chat_deleted(self, stream_id: int, message_id: int) -> None: ...

    def viewers_changed(self, stream_id: int) -> None:
        """Coalesced: the stream's stored count goes out soon, once however often it changed."""


class TweetPush(Protocol):
    """Realtime pushes of changes made outside the outbox (`chirp.realtime.push`): best effort
    and in the background. New, edited and deleted tweets are pushed by their events."""

    def conversation_changed(self, conversation: Conversation) -> None:
        """A conversation its reader changed (read it): pushed to the reader's `direct`
        stream, as Mastodon pushes every change of one."""
        ...

    def card_arrived(self, status_id: int) -> None:
        """The tweet's link card was read: its readers get it again (`status.update`)."""


@dataclass(slots=True)
class Context:
    settings: Settings
    store: Store
    ids: SnowflakeGenerator
    passwords: Passwords
    # Realtime events to other nodes and sockets; None where nothing listens (tools, tests).
    bus: EventBus | None = None
    # Media: where blobs live and the processes that decode them; None where unused (tools).
    blobs: BlobStore | None = None
    media_workers: MediaProcessor | None = None
    # Where live streams play (the video relay's HLS); None where no blob store is open.
    playback: LivePlayback | None = None
    # Live chat and viewer counts to watchers; None where nothing listens.
    live_push: LivePush | None = None
    # Conversations read and link cards fetched, to their readers' sockets; None where
    # nothing listens.
    tweet_push: TweetPush | None = None
    # Called after a write recorded an outbox event, so the dispatcher handles it without delay.
    wake_dispatcher: Callable[[], None] = field(default=lambda: None)
    # Backpressure from the outbox on new tweets (`chirp.core.backlog`); None: none.
    outbox_gate: OutboxGate | None = None
    # This process's copy of the custom emojis (`chirp.core.emojis.current_emojis`).
    emoji_cache: EmojiCache = field(default_factory=EmojiCache)
    # This process's compiled content filters, per account (`chirp.core.filters`).
    filter_cache: FilterCache = field(default_factory=FilterCache)
    # Link preview cards from the web, and the fetches under way; None where none are
    # fetched (tools, tests).
    card_fetcher: CardFetcher | None = None
    card_queue: CardQueue | None = None
    # The VAPID identity Web Push is sent with (`chirp.webpush`); None where nothing pushes.
    web_push: PushKeys | None = None

    def new_id(self) -> int:
        return self.ids.next_id()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)
