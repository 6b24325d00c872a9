"""The storage port: what the domain needs from a database, and nothing about how it is kept.

Each backend (`storage/sqlite`, later `storage/mongodb`) implements `Store` and must pass the
conformance suite in `tests/storage/`. Methods are atomic on their own: a use case never needs a
transaction that spans two calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from chirp.core.models import (
    Account,
    AccountBlock,
    AccountModeration,
    AccountMute,
    Announcement,
    App,
    AuditEntry,
    AuthorizationCode,
    ChatMessage,
    Credentials,
    CustomEmoji,
    Event,
    FeaturedTag,
    Follow,
    FollowRequest,
    LiveStream,
    Marker,
    MediaAttachment,
    Notification,
    NotificationGroupStats,
    NotificationPolicy,
    NotificationRequest,
    Page,
    Poll,
    ProfileField,
    ReactionCount,
    Report,
    RunningNode,
    ScheduledStatus,
    Status,
    StatusEdit,
    StreamKey,
    Tag,
    Token,
)


class UniqueViolation(Exception):
    """A write collided with a unique key; `field` names it (`username`, `email`, ...)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} already taken")
        self.field = field


class MissingRecord(Exception):
    """A write referred to a record that no longer exists (e.g. liking a just-deleted tweet)."""


class MediaNotAttachable(MissingRecord):
    """A tweet named an attachment that is not the author's, not ready, or already attached."""


class ChatBanned(Exception):
    """The sender is banned from the streamer's chat."""


class ChatRateLimited(Exception):
    """The sender used up their messages for now; `retry_at` is when one more is allowed."""

    def __init__(self, retry_at: datetime) -> None:
        super().__init__("chat rate limit reached")
        self.retry_at = retry_at


class AppStore(Protocol):
    async def create_app(self, app: App) -> None:
        """Insert a new OAuth client."""
        ...

    async def get_app(self, app_id: int) -> App | None: ...

    async def get_app_by_client_id(self, client_id: str) -> App | None: ...


class AccountStore(Protocol):
    async def create_account(self, account: Account, credentials: Credentials) -> None:
        """Insert an account and its credentials together; `UniqueViolation('username'|'email')`."""
        ...

    async def get_account(self, account_id: int) -> Account | None: ...

    async def get_accounts(self, account_ids: Iterable[int]) -> dict[int, Account]:
        """Batch load; ids not found are absent from the map."""
        ...

    async def get_account_by_username(self, username: str) -> Account | None:
        """Case-insensitive lookup."""
        ...

    async def get_accounts_by_usernames(self, usernames: Iterable[str]) -> dict[str, Account]:
        """Batch case-insensitive lookup, keyed by lower-cased username."""
        ...

    async def get_credentials(self, account_id: int) -> Credentials | None: ...

    async def count_accounts(self) -> tuple[int, int]:
        """(number of accounts, sum of their statuses_count): instance statistics."""
        ...

    async def get_credentials_by_email(self, email: str) -> Credentials | None:
        """Case-insensitive lookup."""
        ...

    async def update_account_profile(
        self,
        account_id: int,
        *,
        updated_at: datetime,
        display_name: str | None = None,
        note: str | None = None,
        locked: bool | None = None,
        bot: bool | None = None,
        discoverable: bool | None = None,
        fields: Sequence[ProfileField] | None = None,
        default_privacy: str | None = None,
        default_sensitive: bool | None = None,
        default_language: str | None = None,
        event: Event | None = None,
    ) -> Account | None:
        """Change the given profile fields (None leaves a field as is; an empty
        `default_language` clears it) and record `event` with them, if any; returns the new
        record."""
        ...


class TokenStore(Protocol):
    async def create_token(self, token: Token) -> None: ...

    async def get_token(self, digest: str) -> Token | None:
        """The token whose access-secret digest is `digest`, revoked or not."""
        ...

    async def get_token_with_owners(
        self, digest: str
    ) -> tuple[Token, App | None, Account | None] | None:
        """`get_token` with its app and account (None if gone), in one round trip: bearer auth."""
        ...

    async def get_token_by_refresh(self, refresh_digest: str) -> Token | None: ...

    async def revoke_token(self, token_id: int, revoked_at: datetime) -> bool:
        """Mark revoked; False if it already was (or does not exist)."""
        ...

    async def rotate_token(self, old_token_id: int, new: Token, revoked_at: datetime) -> bool:
        """Revoke `old` and insert `new` atomically; False (and no insert) if `old` was not live."""
        ...

    async def revoke_account_tokens(self, account_id: int, revoked_at: datetime) -> int:
        """Revoke every live token of an account; returns how many."""
        ...

    async def create_authorization_code(self, code: AuthorizationCode) -> None: ...

    async def take_authorization_code(self, digest: str) -> AuthorizationCode | None:
        """Remove and return the code: of two concurrent redemptions only one gets it."""
        ...


@dataclass(frozen=True, slots=True)
class FanOut:
    """One tweet to push into home feeds: explicit owners, and/or every follower of its author
    (retweets skip followers who hide retweets and the original's author; replies reach only
    followers who also follow the replied-to account)."""

    status: Status
    owner_ids: tuple[int, ...] = ()
    to_followers: bool = True
    original_author_id: int | None = None
    # Followers whose feeds it must not reach: they block or mute someone it involves.
    skip_owner_ids: frozenset[int] = frozenset()


@dataclass(slots=True)
class ViewerState:
    """What one viewer has done to a batch of statuses (for `favourited`, `reblogged`, ...)."""

    favourited: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Relationship:
    following: Follow | None = None
    followed_by: bool = False
    requested: bool = False  # a follow request of the viewer's is pending
    requested_by: bool = False  # the other account asked to follow the viewer
    note: str = ""  # the viewer's private note on the account
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False


@dataclass(slots=True)
class AccountFilter:
    """Options of an account's timeline (`GET /api/v1/accounts/:id/statuses`)."""

    visibilities: tuple[str, ...] = ("public", "unlisted")
    include_direct_to: int | None = None  # also direct/private posts that mention this viewer
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    pinned: bool = False
    tagged: str | None = None
    only_media: bool = False


class StatusStore(Protocol):
    async def create_status(
        self,
        status: Status,
        *,
        event: Event,
        idempotency_key: str | None = None,
        idempotency_since: datetime | None = None,
    ) -> Status:
        """Insert a tweet (or retweet) with its mentions, tags, search entry and counters.

        In one transaction: author's statuses_count/last_status_at, parent's replies_count,
        quoted status's quotes_count, original's reblogs_count, the idempotency key and the
        outbox `event`. A key older than `idempotency_since` is replaced. Attaches
        `status.media_ids` (`MediaNotAttachable` unless each is the author's, ready and free).
        `UniqueViolation('reblog')` if the account already retweeted it;
        `UniqueViolation('idempotency_key')` if the key is taken; `MissingRecord` if a
        referenced status vanished.
        """
        ...

    async def find_idempotent_status(
        self, account_id: int, key: str, since: datetime
    ) -> Status | None:
        """The status created with this key after `since`, if any."""
        ...

    async def get_status(self, status_id: int) -> Status | None: ...

    async def get_statuses(self, status_ids: Iterable[int]) -> dict[int, Status]: ...

    async def update_status(
        self, status: Status, *, history: list[StatusEdit], event: Event
    ) -> Status | None:
        """Replace text/entities of `status` (matched by id), append `history` versions,
        re-index search and record `event`. None if the status is gone. Attachments no longer
        in `status.media_ids` are detached, new ones attached (as in `create_status`)."""
        ...

    async def delete_status(self, status_id: int, *, event: Event) -> list[Status]:
        """Delete a status and its retweets, fixing every counter; record `event` with
        `payload["deleted_ids"]` = ids of every removed status and `payload["reblog_ids"]`
        / `payload["reblogger_ids"]` = each removed retweet and its retweeter, aligned (their
        followers saw those, not the original's audience). Returns the removed rows.
        Its attachments are detached (kept for delete-and-redraft until collected)."""
        ...

    async def get_status_edits(self, status_id: int) -> list[StatusEdit]:
        """Versions oldest first."""
        ...

    async def get_thread(
        self, status: Status, *, max_ancestors: int, max_descendants: int
    ) -> tuple[list[Status], list[Status]]:
        """(ancestors oldest first, descendants depth-first in reply order)."""
        ...

    async def find_reblog(self, account_id: int, status_id: int) -> Status | None: ...

    async def get_mentioned_status_ids(
        self, account_id: int, status_ids: Iterable[int]
    ) -> set[int]:
        """Which of these statuses mention the account."""
        ...


class EngagementStore(Protocol):
    async def add_favourite(
        self, favourite_id: int, account_id: int, status_id: int, *, event: Event
    ) -> bool:
        """Like; True if new (counter +1 and event recorded), False if already liked."""
        ...

    async def remove_favourite(self, account_id: int, status_id: int, *, event: Event) -> bool: ...

    async def add_bookmark(self, bookmark_id: int, account_id: int, status_id: int) -> bool: ...

    async def remove_bookmark(self, account_id: int, status_id: int) -> bool: ...

    async def add_pin(self, pin_id: int, account_id: int, status_id: int) -> bool: ...

    async def remove_pin(self, account_id: int, status_id: int) -> bool: ...

    async def count_pins(self, account_id: int) -> int: ...

    async def get_viewer_state(self, account_id: int, status_ids: Iterable[int]) -> ViewerState: ...

    async def list_favourited_by(self, status_id: int, page: Page) -> list[tuple[int, int]]:
        """(favourite id, account id), newest first."""
        ...

    async def list_reblogged_by(self, status_id: int, page: Page) -> list[tuple[int, int]]:
        """(retweet status id, account id), newest first."""
        ...

    async def list_favourites(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        """(favourite id, status id), newest first."""
        ...

    async def list_bookmarks(self, account_id: int, page: Page) -> list[tuple[int, int]]: ...

    async def recent_engagements(self, since_id: int, limit: int) -> list[tuple[int, str, int]]:
        """(status id, kind, engagement id) for likes/retweets/replies/quotes of public
        statuses made after `since_id`, newest first: the raw input of trends."""
        ...


class FollowStore(Protocol):
    async def add_follow(self, follow: Follow, *, event: Event) -> bool:
        """Follow; True if new (both accounts' counters updated, event recorded)."""
        ...

    async def remove_follow(self, account_id: int, target_account_id: int, *, event: Event) -> bool:
        """Unfollow, and take the target's entries out of the follower's home feed."""
        ...

    async def get_relationships(
        self, account_id: int, target_ids: Iterable[int]
    ) -> dict[int, Relationship]: ...

    async def list_followers(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        """(follow id, follower account id), newest first."""
        ...

    async def list_following(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        """(follow id, followed account id), newest first."""
        ...

    async def follower_ids(self, account_id: int) -> list[int]:
        """Every follower's id (the audience of a realtime event), in no particular order."""
        ...

    async def list_popular_followees(self, account_id: int, min_followers: int) -> list[int]:
        """Accounts `account_id` follows that have at least `min_followers` followers."""
        ...


class TimelineStore(Protocol):
    async def fan_out(
        self,
        status: Status,
        *,
        owner_ids: Iterable[int] = (),
        to_followers: bool,
        original_author_id: int | None = None,
    ) -> list[int]:
        """Push `status` onto home feeds: of `owner_ids`, and of the author's followers when
        `to_followers` (replies reach only followers who also follow the replied-to account;
        retweets skip followers who turned retweets off and `original_author_id`). A status
        that no longer exists is not pushed. Returns the owners whose feeds changed."""
        ...

    async def fan_out_many(self, requests: Sequence[FanOut]) -> dict[int, list[int]]:
        """Several fan-outs in one transaction (each feed page written once); per status id,
        the feeds it reached."""
        ...

    async def trim_home_feeds(self, owner_ids: Iterable[int], cap: int, slack: int = 0) -> int:
        """Cut feeds longer than `cap + slack` back to their newest `cap` entries (the slack
        lets a feed be trimmed once per many tweets, not after each); returns entries removed."""
        ...

    async def merge_into_home_feed(self, owner_id: int, author_id: int, *, limit: int) -> int:
        """After a follow: copy the author's latest `limit` posts the owner may see into the feed."""
        ...

    async def remove_unfollowed_from_feed(self, owner_id: int, author_id: int) -> int:
        """After an unfollow: take the author's entries out of the owner's feed, unless the
        owner follows the author again by now; returns entries removed. `remove_follow` may
        have done it already (this is the retry that survives a crash in between)."""
        ...

    async def home_timeline(
        self, owner_id: int, page: Page, *, pull_account_ids: Iterable[int]
    ) -> list[int]:
        """Status ids of the owner's home feed merged with recent posts of `pull_account_ids`
        (own posts, and followed accounts too big to fan out), newest first."""
        ...

    async def account_timeline(
        self, account_id: int, page: Page, options: AccountFilter
    ) -> list[int]: ...

    async def public_timeline(self, page: Page, *, only_media: bool = False) -> list[int]:
        """Original public posts (no retweets; replies only within a self-thread)."""
        ...

    async def tag_timeline(
        self, tag_names: Iterable[str], page: Page, *, only_media: bool = False
    ) -> list[int]:
        """Public posts carrying any of the tags."""
        ...


class NotificationStore(Protocol):
    async def add_notifications(self, notifications: list[Notification]) -> list[Notification]:
        """Insert; duplicates (same recipient, type, sender, status) are skipped. Returns new ones."""
        ...

    async def remove_notifications(
        self, type: str, from_account_id: int, status_id: int | None, account_id: int | None = None
    ) -> int: ...

    async def list_notifications(
        self,
        account_id: int,
        page: Page,
        *,
        types: Iterable[str] | None = None,
        exclude_types: Iterable[str] = (),
        from_account_id: int | None = None,
        include_filtered: bool = False,
    ) -> list[Notification]:
        """Newest first. Filtered notifications only with `include_filtered` or when asking
        for one sender's (`from_account_id`), as Mastodon does."""
        ...

    async def get_notification(
        self, account_id: int, notification_id: int
    ) -> Notification | None: ...

    async def dismiss_notification(self, account_id: int, notification_id: int) -> bool: ...

    async def clear_notifications(self, account_id: int) -> int: ...


class SearchStore(Protocol):
    async def search_statuses(
        self, query: str, *, viewer_id: int | None, limit: int, offset: int
    ) -> list[int]:
        """Full-text match over tweet text, best first, only what the viewer may see."""
        ...

    async def search_accounts(self, query: str, *, limit: int, offset: int) -> list[Account]:
        """Handle or display-name prefix; exact handle first, then by followers."""
        ...

    async def search_tags(self, prefix: str, *, limit: int, offset: int) -> list[Tag]: ...

    async def get_tag(self, name: str) -> Tag | None: ...

    async def tag_uses(
        self, tag_names: Iterable[str] | None, since_id: int, limit: int
    ) -> list[tuple[str, int, int]]:
        """(tag name, status id, account id) of public uses after `since_id`, newest first;
        `tag_names` None means every tag."""
        ...


class MediaStore(Protocol):
    async def create_media(self, media: MediaAttachment) -> None: ...

    async def get_media(self, media_id: int) -> MediaAttachment | None: ...

    async def get_media_batch(self, media_ids: Iterable[int]) -> dict[int, MediaAttachment]:
        """Batch load (every attachment of a page of tweets in one query)."""
        ...

    async def update_media(self, media: MediaAttachment) -> bool:
        """Write its state, blob keys, meta, blurhash, description, focus, error, updated_at.
        False (and no write) if the row is gone or being collected (`deleting`)."""
        ...

    async def claim_unattached_media(
        self, *, before: datetime, now: datetime, limit: int
    ) -> list[MediaAttachment]:
        """Mark up to `limit` unattached attachments last changed before `before` as
        `deleting` (updated `now`) and return them; two collectors never claim the same row."""
        ...

    async def delete_media(self, media_ids: Iterable[int]) -> int:
        """Remove rows (their blobs must be gone already); returns how many."""
        ...


class LiveStore(Protocol):
    """Live streams, stream keys, viewer heartbeats and chat (see `chirp.core.live`)."""

    async def create_live_stream(self, stream: LiveStream) -> None:
        """Insert a stream (state `created`); `MissingRecord` if its account is gone."""
        ...

    async def get_live_stream(self, stream_id: int) -> LiveStream | None: ...

    async def get_live_streams(self, stream_ids: Iterable[int]) -> dict[int, LiveStream]:
        """Batch load; ids not found are absent from the map."""
        ...

    async def list_live_streams(
        self, page: Page, *, followed_by: int | None = None
    ) -> list[LiveStream]:
        """Streams in state `live`, paged by id, newest first; with `followed_by`, only those
        of accounts that account follows."""
        ...

    async def publishable_stream(self, account_id: int) -> LiveStream | None:
        """Where the account's publisher goes: its `live` stream, else its newest `created` one."""
        ...

    async def start_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        """`created` -> `live` with `started_at` (and the first relay lease, see
        `renew_relay_lease`), recording `event`; None (and no write) when the stream is not in
        state `created`."""
        ...

    async def end_live_stream(
        self, stream_id: int, at: datetime, *, event: Event
    ) -> LiveStream | None:
        """`created`/`live` -> `ended` with `ended_at`, recording `event` and forgetting its
        viewers; None (and no write) when missing or already ended."""
        ...

    async def renew_relay_lease(self, stream_ids: Iterable[int], at: datetime) -> None:
        """The node relaying these streams still does (`start_live_stream` takes the first lease)."""
        ...

    async def abandoned_live_streams(self, before: datetime, *, limit: int) -> list[int]:
        """Ids of `live` streams whose relay lease was last renewed before `before`."""
        ...

    async def set_stream_key(self, key: StreamKey) -> None:
        """Create or replace the account's key (the old digest stops matching at once)."""
        ...

    async def get_stream_key(self, account_id: int) -> StreamKey | None: ...

    async def find_stream_key(self, digest: str) -> StreamKey | None:
        """The key with this digest, if any account holds it."""
        ...

    async def record_viewer(
        self, stream_id: int, viewer: str, at: datetime, *, active_since: datetime
    ) -> int:
        """A player heartbeat: `viewer` was watching at `at`. Returns how many viewers of the
        stream were seen at or after `active_since` (older heartbeats may be forgotten)."""
        ...

    async def count_live_viewers(self, active_since: datetime) -> dict[int, int]:
        """For every `live` stream, viewers seen at or after `active_since` (0 included)."""
        ...

    async def set_viewers_count(self, stream_id: int, count: int) -> bool:
        """Store the stream's pushed viewer count; True only if it changed (so one node pushes)."""
        ...

    async def add_chat_message(
        self, message: ChatMessage, *, window_start: datetime, window_limit: int
    ) -> None:
        """Insert unless the author is banned by the stream's owner (`ChatBanned`) or already
        sent `window_limit` messages to this stream since `window_start`, deleted ones included
        (`ChatRateLimited`, retry when the oldest of them leaves the window). Atomic: two nodes
        cannot both let the last allowed message through. `MissingRecord` if the stream is gone."""
        ...

    async def get_chat_message(self, message_id: int) -> ChatMessage | None:
        """A message not deleted."""
        ...

    async def list_chat_messages(self, stream_id: int, page: Page) -> list[ChatMessage]:
        """Messages not deleted, paged by id, newest first."""
        ...

    async def delete_chat_message(self, message_id: int, at: datetime) -> bool:
        """Hide it (it still counts towards its author's rate limit); True if it was visible."""
        ...

    async def ban_from_chat(self, streamer_id: int, account_id: int, at: datetime) -> bool:
        """Ban `account_id` from every chat of `streamer_id`'s streams; True if new."""
        ...

    async def unban_from_chat(self, streamer_id: int, account_id: int) -> bool: ...

    async def is_banned_from_chat(self, streamer_id: int, account_id: int) -> bool: ...


class OutboxStore(Protocol):
    async def count_due_events(self, now: datetime) -> int:
        """Events due by `now`, claimed or not (the backlog; events waiting out a retry's
        backoff are not counted)."""
        ...

    async def claim_events(
        self, *, limit: int, now: datetime, lease_seconds: float, owner: str = ""
    ) -> list[Event]:
        """Lease up to `limit` due events, oldest first, to `owner` (a `RunningNode.key`); a
        lease that expires, or that `remove_node` releases, makes them due again."""
        ...

    async def beat_node(self, node: RunningNode) -> None:
        """Record a node's heartbeat: insert it, or replace the record with the same key."""
        ...

    async def list_nodes(self) -> list[RunningNode]:
        """Every node recorded (live or not yet removed), in no particular order."""
        ...

    async def remove_node(self, key: str) -> int:
        """Forget a node (it stopped, or stopped beating) and release the outbox leases it held,
        due at once; returns how many it held. Idempotent."""
        ...

    async def complete_event(self, event_id: int) -> None: ...

    async def complete_events(self, event_ids: Sequence[int]) -> None:
        """Done: remove them from the outbox (one transaction)."""
        ...

    async def retry_event(self, event_id: int, *, available_at: datetime) -> None: ...

    async def oldest_event_id(self) -> int | None:
        """The id of the oldest event still in the outbox (due, leased or backing off), whose
        time says how long it has waited; None when the outbox is empty."""
        ...


class NotificationGroupStore(Protocol):
    """Grouped notifications (`/api/v2/notifications`): groups are notifications of one
    recipient sharing a `group_key`."""

    async def latest_group_key(self, account_id: int, prefix: str) -> str | None:
        """The group key of the account's newest notification whose key is `prefix-...`."""
        ...

    async def notification_group_stats(
        self,
        account_id: int,
        group_keys: Iterable[str],
        *,
        max_id: int | None = None,
        min_id: int | None = None,
        samples: int = 8,
    ) -> dict[str, NotificationGroupStats]:
        """Per group key: its notifications with id <= `max_id` (all if None) counted, the
        newest of them and their newest `samples` senders; with `min_id`, also the oldest id
        >= `min_id` (`page_min_id`). Keys without notifications are absent."""
        ...

    async def find_notification_group(self, account_id: int, group_key: str) -> Notification | None:
        """The newest notification of the account's group."""
        ...

    async def list_group_notifications(
        self, account_id: int, group_key: str, page: Page
    ) -> list[Notification]:
        """The group's notifications, newest first."""
        ...

    async def dismiss_notification_group(self, account_id: int, group_key: str) -> int:
        """Delete every notification of the account's group; returns how many."""
        ...


class NotificationFilterStore(Protocol):
    """Notification policies, the requests holding what they filtered, and the senders a
    recipient accepted (whose notifications are never filtered again)."""

    async def get_notification_policy(self, account_id: int) -> NotificationPolicy | None:
        """None until the account saves one (the defaults then apply)."""
        ...

    async def save_notification_policy(self, policy: NotificationPolicy) -> None:
        """Create or replace the account's policy."""
        ...

    async def has_notification_permission(self, account_id: int, from_account_id: int) -> bool:
        """Whether the account accepted notifications from this sender (a request accepted)."""
        ...

    async def save_notification_request(self, request: NotificationRequest) -> NotificationRequest:
        """Create the request of (account, sender), or move the existing one's `last_status_id`
        and `updated_at` (its id and `created_at` stay). Returns the stored request."""
        ...

    async def get_notification_request(
        self, account_id: int, request_id: int
    ) -> NotificationRequest | None:
        """The account's request with its current count; None if missing, another
        account's, or holding no filtered mention any more."""
        ...

    async def list_notification_requests(
        self, account_id: int, page: Page
    ) -> list[NotificationRequest]:
        """Requests that still hold filtered mentions, paged by id, newest first."""
        ...

    async def accept_notification_requests(
        self, account_id: int, request_ids: Iterable[int], at: datetime
    ) -> int:
        """For each of the account's requests among `request_ids`: accept the sender for good,
        move their filtered notifications into the main list and delete the request.
        Returns how many requests were accepted."""
        ...

    async def dismiss_notification_requests(
        self, account_id: int, request_ids: Iterable[int]
    ) -> int:
        """Delete these requests of the account with the sender's filtered notifications."""
        ...

    async def summarize_notification_requests(self, account_id: int, cap: int) -> tuple[int, int]:
        """(pending requests, filtered mentions in them), over at most `cap` requests."""
        ...


class ConversationMuteStore(Protocol):
    """Threads (by their root, `Status.conversation_id`) an account muted: no notifications."""

    async def mute_conversation(self, account_id: int, conversation_id: int, at: datetime) -> bool:
        """True if newly muted."""
        ...

    async def unmute_conversation(self, account_id: int, conversation_id: int) -> bool: ...

    async def get_muted_conversations(
        self, account_id: int, conversation_ids: Iterable[int]
    ) -> set[int]:
        """Which of these conversations the account muted."""
        ...

    async def get_conversation_muters(
        self, conversation_id: int, account_ids: Iterable[int]
    ) -> set[int]:
        """Which of these accounts muted the conversation."""
        ...


class MarkerStore(Protocol):
    async def get_markers(self, account_id: int, timelines: Iterable[str]) -> dict[str, Marker]:
        """The account's markers of these timelines, by timeline; unsaved ones are absent."""
        ...

    async def save_marker(
        self, account_id: int, timeline: str, last_read_id: int, at: datetime
    ) -> Marker:
        """Set the position (atomic): a new marker has version 1; saving another position
        adds 1 to the version and stamps `at`; saving the same position changes nothing (as
        Mastodon's optimistic lock counts only real updates)."""
        ...


class TooManyReactions(Exception):
    """A new emoji would give an announcement more distinct reactions than allowed."""


class CustomEmojiStore(Protocol):
    async def create_custom_emoji(self, emoji: CustomEmoji) -> None:
        """Insert; `UniqueViolation('shortcode')` if one has that shortcode."""
        ...

    async def delete_custom_emoji(self, shortcode: str) -> CustomEmoji | None:
        """Remove and return it (its blobs are the caller's to delete); None if absent."""
        ...

    async def list_custom_emojis(self) -> list[CustomEmoji]:
        """Every custom emoji, by shortcode (a small set: it is read whole and cached)."""
        ...


class AnnouncementStore(Protocol):
    """Writes record their outbox `event` in the same transaction, and only when they change
    something (the realtime push to every user follows from it)."""

    async def create_announcement(self, announcement: Announcement, *, event: Event) -> None: ...

    async def delete_announcement(self, announcement_id: int, *, event: Event) -> bool:
        """Remove it with its reactions and dismissals; False if absent."""
        ...

    async def get_announcement(self, announcement_id: int) -> Announcement | None: ...

    async def list_announcements(self) -> list[Announcement]:
        """Every announcement, chronological: by `starts_at`, else `published_at`, then id."""
        ...

    async def dismiss_announcement(self, announcement_id: int, account_id: int) -> bool:
        """Mark it read by the account; True if new (False too if the announcement is gone)."""
        ...

    async def dismissed_announcements(
        self, account_id: int, announcement_ids: Iterable[int]
    ) -> set[int]:
        """Which of these the account has dismissed."""
        ...

    async def add_announcement_reaction(
        self,
        announcement_id: int,
        account_id: int,
        name: str,
        at: datetime,
        *,
        max_names: int,
        event: Event,
    ) -> bool:
        """React with emoji `name`; True if new, False if the account had already. A name
        nobody used yet on an announcement that has `max_names` distinct ones already is
        refused (`TooManyReactions`); `MissingRecord` if the announcement is gone."""
        ...

    async def remove_announcement_reaction(
        self, announcement_id: int, account_id: int, name: str, *, event: Event
    ) -> bool:
        """Undo; False if the account had not reacted so."""
        ...

    async def announcement_reactions(
        self, announcement_ids: Iterable[int], viewer_id: int | None
    ) -> dict[int, list[ReactionCount]]:
        """Per announcement, each emoji's count and whether `viewer_id` reacted with it,
        ordered by each emoji's first reaction; announcements without reactions are absent."""
        ...


class FollowRequestStore(Protocol):
    """Requests to follow locked accounts, private notes on accounts, and graph questions about
    several accounts at once."""

    async def add_follow_request(self, request: FollowRequest, *, event: Event) -> bool:
        """Ask to follow; True if new (event recorded). False, and no write, if the request is
        pending already or the account follows already. `MissingRecord` if either is gone."""
        ...

    async def remove_follow_request(
        self, account_id: int, target_account_id: int, *, event: Event
    ) -> bool:
        """Withdraw or reject a pending request; True (event recorded) if there was one."""
        ...

    async def authorize_follow_request(
        self, account_id: int, target_account_id: int, follow: Follow, *, event: Event
    ) -> bool:
        """Turn a pending request into `follow` (counters as `add_follow`) in one transaction,
        recording `event`; False, and no write, if no request is pending. An account that
        follows already keeps its follow (the request just goes)."""
        ...

    async def list_follow_requests(
        self, target_account_id: int, page: Page
    ) -> list[tuple[int, int]]:
        """(request id, requesting account id) of requests pending for the account, newest first."""
        ...

    async def count_follow_requests(self, target_account_id: int) -> int: ...

    async def get_follow_request_state(
        self, account_id: int, target_ids: Iterable[int]
    ) -> tuple[set[int], set[int]]:
        """(targets the account asked to follow, targets that asked to follow the account)."""
        ...

    async def familiar_followers(
        self, account_id: int, target_ids: Iterable[int]
    ) -> dict[int, list[int]]:
        """Per target: the accounts `account_id` follows that follow it (in no set order)."""
        ...

    async def set_account_note(
        self, account_id: int, target_account_id: int, comment: str, updated_at: datetime
    ) -> None:
        """Write the account's note on the target; an empty comment removes it."""
        ...

    async def get_account_notes(self, account_id: int, target_ids: Iterable[int]) -> dict[int, str]:
        """The account's notes on these targets (targets without one are absent)."""
        ...


class ProfileImageStore(Protocol):
    async def set_profile_image(
        self, account_id: int, kind: str, key: str | None, url: str | None, updated_at: datetime
    ) -> tuple[Account, str | None] | None:
        """Point the account's `avatar` or `header` (`kind`) at the blob `key` served at `url`
        (None: back to the default picture); returns the new record and the key it replaced,
        None if the account is gone."""
        ...


class InstanceStatsStore(Protocol):
    async def count_active_accounts(self, since: datetime) -> int:
        """Accounts that posted at or after `since` (their `last_status_at`): the active users
        the instance documents and NodeInfo report."""
        ...


class TagStore(Protocol):
    """Followed and featured hashtags (`chirp.core.tags`). Names are matched by `tag_key`."""

    async def follow_tag(self, follow_id: int, account_id: int, name: str, at: datetime) -> bool:
        """Follow a hashtag (used or not); True if new."""
        ...

    async def unfollow_tag(self, account_id: int, name: str, *, event: Event) -> bool:
        """Unfollow a hashtag; True (and `event` recorded) if it was followed."""
        ...

    async def remove_unfollowed_tag_from_feed(self, owner_id: int, name: str) -> int:
        """After a tag's unfollow: take the tweets carrying it (not retweets) out of the
        owner's feed, but the owner's own, those of accounts the owner follows and those
        carrying a tag the owner follows (this one again, by now); returns entries removed."""
        ...

    async def followed_tag_keys(self, account_id: int, names: Iterable[str]) -> set[str]:
        """The `tag_key`s of those of `names` the account follows."""
        ...

    async def list_followed_tags(self, account_id: int, page: Page) -> list[tuple[int, Tag]]:
        """(follow id, tag), newest first; a tag nobody has used is named by its key."""
        ...

    async def tag_followers(self, names: Iterable[str]) -> dict[str, list[int]]:
        """The accounts following each of these tags, by `tag_key` (every key asked is there)."""
        ...

    async def feature_tag(self, featured: FeaturedTag, *, limit: int) -> FeaturedTag | None:
        """Feature a tag on the account's profile, or return the existing one (idempotent);
        None (and no write) if the account already features `limit` tags."""
        ...

    async def unfeature_tag(
        self, account_id: int, *, featured_id: int | None = None, name: str | None = None
    ) -> bool:
        """Stop featuring the account's tag with this id, or this name (one of the two);
        True if it was."""
        ...

    async def list_featured_tags(self, account_id: int) -> list[FeaturedTag]:
        """The account's featured tags with their counts over its public and unlisted
        tweets, most used first."""
        ...

    async def featured_tag_keys(self, account_id: int, names: Iterable[str]) -> set[str]:
        """The `tag_key`s of those of `names` the account features."""
        ...

    async def most_used_tags(self, account_id: int, *, recent: int, limit: int) -> list[Tag]:
        """The tags the account used most in its `recent` latest tagged tweets, most used
        (then most recently used) first."""
        ...


class LinkStore(Protocol):
    async def link_timeline(self, link_key: str, page: Page) -> list[int]:
        """Public tweets (no retweets) whose text links to `link_key` (`core.text.link_key`),
        newest first."""
        ...


class MediaRemovalStore(Protocol):
    async def claim_own_media(
        self, account_id: int, media_id: int, now: datetime
    ) -> MediaAttachment | None:
        """Mark the account's unattached attachment `deleting` (updated `now`) and return it,
        so no tweet can attach it any more; None (and no write) if it is not the account's,
        is attached, or is being deleted already."""
        ...


@dataclass(slots=True)
class AdminAccountFilter:
    """`GET /api/v1/admin/accounts` filters; None: any."""

    status: str | None = None  # active, pending, disabled, silenced, suspended
    username: str | None = None  # a prefix, case-insensitive
    email: str | None = None  # a substring, case-insensitive
    staff: bool = False  # only accounts with a role


class ModerationStore(Protocol):
    """Roles, moderators' decisions on accounts, reports and the audit log."""

    async def get_moderations(self, account_ids: Iterable[int]) -> dict[int, AccountModeration]:
        """The decisions on these accounts; accounts without any are absent."""
        ...

    async def save_moderation(
        self, moderation: AccountModeration, *, audit: AuditEntry | None = None
    ) -> None:
        """Store (replace) the decisions on one account, and its audit entry, at once."""
        ...

    async def remove_account_moderation(self, account_id: int) -> bool:
        """Forget the decisions on an account (its deletion); True if there were some."""
        ...

    async def list_admin_accounts(self, filters: AdminAccountFilter, page: Page) -> list[int]:
        """Ids of the accounts matching the filters, newest first."""
        ...

    async def live_token_ids(self, account_id: int) -> list[int]:
        """Ids of the account's tokens not yet revoked (to close their streams)."""
        ...

    async def set_password_hash(self, account_id: int, password_hash: str) -> bool:
        """Replace the account's password (a reset); False if it has no credentials."""
        ...

    async def create_report(self, report: Report) -> None: ...

    async def get_report(self, report_id: int) -> Report | None: ...

    async def list_reports(
        self,
        page: Page,
        *,
        resolved: bool | None = None,
        account_id: int | None = None,
        target_account_id: int | None = None,
    ) -> list[Report]:
        """Newest first; `resolved` None: both."""
        ...

    async def save_report(self, report: Report, *, audit: AuditEntry | None = None) -> None:
        """Store the report's new state, and its audit entry, at once."""
        ...

    async def list_audit(self, page: Page) -> list[AuditEntry]:
        """The audit log, newest first."""
        ...


@dataclass(slots=True)
class Shunning:
    """How one account and some others block and mute each other (mutes still in force)."""

    blocking: set[int] = field(default_factory=set)  # the account blocks them
    blocked_by: set[int] = field(default_factory=set)  # they block the account
    muting: set[int] = field(default_factory=set)  # the account mutes them
    muting_notifications: set[int] = field(default_factory=set)  # ... and their notifications

    def hidden(self) -> set[int]:
        """Whose tweets leave the account's timelines, threads and search results."""
        return self.blocking | self.blocked_by | self.muting


class BlockMuteStore(Protocol):
    """Blocks and mutes between accounts. Mutes carry an expiry: reads compare it with `now`,
    so an expired mute stops counting at once on every node; `purge_expired_mutes` sweeps."""

    async def add_block(self, block: AccountBlock) -> bool:
        """True if new; False (nothing written) if the account blocks the target already."""
        ...

    async def remove_block(self, account_id: int, target_account_id: int) -> bool: ...

    async def list_blocks(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        """(block id, blocked account id), newest first."""
        ...

    async def save_mute(self, mute: AccountMute) -> bool:
        """Mute, or change an existing mute's `notifications` and `expires_at` (its id and
        creation time kept); True if new (an expired mute counts as gone)."""
        ...

    async def remove_mute(self, account_id: int, target_account_id: int) -> bool: ...

    async def list_mutes(self, account_id: int, page: Page, now: datetime) -> list[AccountMute]:
        """Mutes still in force, newest first (paged by mute id)."""
        ...

    async def get_shunning(
        self, account_id: int, other_ids: Iterable[int], now: datetime
    ) -> Shunning:
        """Blocks both ways and the account's mutes in force, among `other_ids`."""
        ...

    async def get_shunners(
        self,
        target_account_id: int,
        account_ids: Iterable[int] | None,
        now: datetime,
        *,
        notifications_only: bool = False,
    ) -> set[int]:
        """The accounts (among `account_ids`; None: all) that block the target or mute it (a
        mute in force; with `notifications_only`, only mutes of its notifications)."""
        ...

    async def get_shunned(self, account_id: int, now: datetime) -> set[int]:
        """Every account the account blocks, is blocked by, or mutes (a mute in force)."""
        ...

    async def purge_expired_mutes(self, now: datetime) -> list[int]:
        """Delete mutes that expired before `now`; the muting accounts, once each."""
        ...


class PollStore(Protocol):
    async def create_poll(self, poll: Poll, *, event: Event) -> None:
        """Insert the poll with zeroed counts and record `event` (its end) due at
        `poll.expires_at`, in one transaction."""
        ...

    async def reset_poll(
        self, poll: Poll, *, event: Event, keep_votes: bool = False
    ) -> Poll | None:
        """Replace the poll's options, flags and end (matched by id) and, unless `keep_votes`,
        drop every vote and zero the counts; record `event` due at `poll.expires_at`. None if
        the poll is gone."""
        ...

    async def remove_poll(self, poll_id: int) -> None:
        """Delete the poll and its votes (idempotent)."""
        ...

    async def get_poll(self, poll_id: int) -> Poll | None: ...

    async def get_polls_of_statuses(self, status_ids: Iterable[int]) -> dict[int, Poll]:
        """The polls of these tweets, by status id."""
        ...

    async def get_own_votes(
        self, account_id: int, poll_ids: Iterable[int]
    ) -> dict[int, tuple[int, ...]]:
        """The options the account chose in each poll it voted in (ascending)."""
        ...

    async def add_poll_votes(
        self, poll_id: int, account_id: int, choices: Sequence[int], *, at: datetime, event: Event
    ) -> Poll:
        """Record the account's votes and count them atomically (each chosen option +1, voters
        +1) and record `event`, in one transaction. `UniqueViolation('poll_vote')` if the account already voted
        in this poll; `MissingRecord` if the poll is gone."""
        ...

    async def poll_voter_ids(self, poll_id: int) -> list[int]: ...


class ScheduledStatusStore(Protocol):
    async def create_scheduled_status(self, scheduled: ScheduledStatus, *, event: Event) -> None:
        """Insert it, hold its media (`MediaNotAttachable` unless each is the author's, ready
        and free) and record `event` due at `scheduled_at`, in one transaction."""
        ...

    async def get_scheduled_status(self, scheduled_id: int) -> ScheduledStatus | None: ...

    async def list_scheduled_statuses(self, account_id: int, page: Page) -> list[ScheduledStatus]:
        """The account's, newest id first, paged by id."""
        ...

    async def reschedule_status(
        self, scheduled_id: int, scheduled_at: datetime, *, event: Event
    ) -> ScheduledStatus | None:
        """Move it and record `event` due then (an earlier event finds the time changed).
        None if it is gone."""
        ...

    async def count_scheduled_statuses(
        self, account_id: int, *, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(how many the account has scheduled, how many of them fall in [since, until))."""
        ...

    async def release_scheduled_media(self, scheduled_id: int, at: datetime) -> None:
        """Let go of its media (to attach them to the published tweet); idempotent."""
        ...

    async def remove_scheduled_status(self, scheduled_id: int, at: datetime) -> bool:
        """Delete it and let go of its media; False if it was gone."""
        ...


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
    LiveStore,
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
