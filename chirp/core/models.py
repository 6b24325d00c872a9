"""Domain records. Storage backends build and return these; serializers turn them into JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class App:
    """An OAuth client registered through `POST /api/v1/apps`."""

    id: int
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    client_id: str
    client_secret_digest: str
    created_at: datetime


@dataclass(slots=True)
class Account:
    """A local user's public identity. Credentials live apart, in `Credentials`."""

    id: int
    username: str
    display_name: str
    note: str
    created_at: datetime
    locked: bool = False
    bot: bool = False
    discoverable: bool = True
    followers_count: int = 0
    following_count: int = 0
    statuses_count: int = 0
    last_status_at: datetime | None = None
    updated_at: datetime | None = None
    # The profile's pictures (blob key, and the URL it is served at), fields and posting
    # defaults (`source`); see `ProfileField`.
    avatar_key: str | None = None
    avatar_url: str | None = None
    header_key: str | None = None
    header_url: str | None = None
    fields: tuple[ProfileField, ...] = ()
    default_privacy: str = "public"
    default_sensitive: bool = False
    default_language: str | None = None

    @property
    def avatar_static_url(self) -> str | None:
        return static_picture(self.avatar_url) or self.avatar_url

    @property
    def header_static_url(self) -> str | None:
        return static_picture(self.header_url) or self.header_url


def static_picture(name: str | None) -> str | None:
    """An animated profile picture (always a GIF) has a still PNG beside it, under the same
    name with `.png` (its blob key, and so its URL): None for a still picture."""
    if name is None or not name.endswith(".gif"):
        return None
    return name.removesuffix(".gif") + ".png"


@dataclass(slots=True)
class Credentials:
    """Login material for an account: never serialized, never logged."""

    account_id: int
    email: str
    password_hash: str
    locale: str = "en"
    created_at: datetime | None = None


@dataclass(slots=True)
class Token:
    """An issued OAuth token. Only SHA-256 digests of the secrets are kept."""

    id: int
    digest: str
    app_id: int
    account_id: int | None  # None for client_credentials (app-only) tokens
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None = None
    refresh_digest: str | None = None
    revoked_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(slots=True)
class AuthorizationCode:
    """A one-time code from `/oauth/authorize`, redeemed once at `/oauth/token`."""

    digest: str
    app_id: int
    account_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    expires_at: datetime
    code_challenge: str | None = None
    code_challenge_method: str | None = None


@dataclass(slots=True)
class Principal:
    """Who a request acts for: the token, its app and, for user tokens, the account."""

    token: Token
    app: App
    account: Account | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)


VISIBILITIES = ("public", "unlisted", "private", "direct")


@dataclass(slots=True)
class Status:
    """A tweet. A retweet is its own row with `reblog_of_id` set and no text, as in Mastodon.

    Entities (mentions, tags) are extracted once at write time: the rendered `content` is stored,
    and their ids/names are kept on the row so serializing a page needs no extra joins.

    A value: never assigned after construction (`dataclasses.replace` makes a changed copy). The
    SQLite store and the render cache hand one instance to every reader while its row is
    unchanged; the test suite refuses assignment to enforce it. The same holds for `Account`.
    """

    id: int
    account_id: int
    visibility: str
    created_at: datetime
    text: str = ""
    content: str = ""
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    in_reply_to_id: int | None = None
    in_reply_to_account_id: int | None = None
    reblog_of_id: int | None = None
    quote_of_id: int | None = None
    conversation_id: int | None = None
    mention_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    application_id: int | None = None
    replies_count: int = 0
    reblogs_count: int = 0
    favourites_count: int = 0
    quotes_count: int = 0
    edited_at: datetime | None = None
    media_ids: tuple[int, ...] = ()  # attachments in display order (denormalized, as mentions)


@dataclass(slots=True)
class MediaAttachment:
    """An uploaded image, GIF or video: its blobs (original, preview) and what clients show.

    `state` goes processing -> ready (or failed, with `error`); `deleting` while the garbage
    collector removes its blobs. It belongs to at most one tweet (`status_id`); until then only
    its uploader sees it, and it is collected after `CHIRP_MEDIA_UNATTACHED_TTL_SECONDS`.
    """

    id: int
    account_id: int
    type: str  # image | gifv | video
    state: str
    created_at: datetime
    updated_at: datetime
    status_id: int | None = None
    content_type: str = ""  # of the stored original
    file_key: str | None = None
    preview_key: str | None = None
    thumbnail_key: str | None = None  # a preview the client chose (the `thumbnail` field)
    meta: dict[str, Any] = field(default_factory=dict)
    blurhash: str | None = None
    description: str = ""
    focus: tuple[float, float] = (0.0, 0.0)
    error: str | None = None

    @property
    def keys(self) -> list[str]:
        """Every blob this attachment owns."""
        return [k for k in (self.file_key, self.preview_key, self.thumbnail_key) if k]


@dataclass(slots=True)
class StatusEdit:
    """One version of a status in its edit history."""

    id: int
    status_id: int
    account_id: int
    text: str
    content: str
    spoiler_text: str
    sensitive: bool
    created_at: datetime


@dataclass(slots=True)
class Tag:
    name: str  # as first written, e.g. "ChirpLife"; lookups are case-insensitive


@dataclass(slots=True)
class Follow:
    id: int
    account_id: int
    target_account_id: int
    created_at: datetime
    # The follower's choices (Mastodon's follow options, `FollowOptions`): False, the account's
    # retweets reach no home feed of its; True, a `status` notification for each of its new
    # tweets (not retweets, nor replies to others); set, only its tweets in those languages
    # (and those of no known language) reach its home feed.
    show_reblogs: bool = True
    notify: bool = False
    languages: tuple[str, ...] | None = None


@dataclass(slots=True)
class Notification:
    id: int
    account_id: int  # recipient
    type: str  # mention, favourite, reblog, follow, quote, status, update
    from_account_id: int
    created_at: datetime
    status_id: int | None = None
    stream_id: int | None = None  # `chirp.live`: the live stream it announces
    report_id: int | None = None  # `admin.report`: the report it announces to staff
    # Held back by the recipient's notification policy: shown only on request (Mastodon's
    # `filtered`); such a notification is never grouped.
    filtered: bool = False
    # Notifications sharing a key show as one group (`/api/v2/notifications`); None: alone.
    group_key: str | None = None


LIVE_VISIBILITIES = ("public", "private")


@dataclass(slots=True)
class LiveStream:
    """A live video stream (a Chirp extension). `state` goes created -> live (its first segment
    is out) -> ended. `private` streams are for the streamer's followers only. `viewers_count`
    is the last count pushed to watchers (from player heartbeats)."""

    id: int
    account_id: int
    title: str
    visibility: str
    state: str
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    viewers_count: int = 0


@dataclass(slots=True)
class StreamKey:
    """An account's RTMP stream key: only its SHA-256 digest is kept."""

    account_id: int
    digest: str
    created_at: datetime


@dataclass(slots=True)
class ChatMessage:
    """A message in a live stream's chat (plain text; escaped when serialized)."""

    id: int
    stream_id: int
    account_id: int
    text: str
    created_at: datetime


@dataclass(slots=True)
class Event:
    """A domain event recorded with its write (transactional outbox), then dispatched."""

    id: int
    kind: str
    payload: dict[str, Any]  # JSON: `chirp.core.events` encodes and decodes it
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class RunningNode:
    """A `chirp serve` process sharing the store, as its heartbeats record it."""

    key: str  # unique to one run of one process
    host: str
    pid: int
    shared_bus: bool  # its event bus reaches the other nodes (Redis), not only itself
    seen_at: datetime  # its latest heartbeat


@dataclass(slots=True)
class Page:
    """Mastodon pagination: results newer than `since_id`/`min_id`, older than `max_id`."""

    limit: int = 20
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None


POLICY_VALUES = ("accept", "filter", "drop")
POLICY_FIELDS = (
    "for_not_following",
    "for_not_followers",
    "for_new_accounts",
    "for_private_mentions",
    "for_limited_accounts",
)


@dataclass(slots=True)
class NotificationPolicy:
    """What to do with notifications from accounts the recipient does not follow, that do not
    follow them, that are new, from private mentions out of the blue and from limited
    accounts: `accept`, `filter` (kept for review as a notification request) or `drop`.
    The defaults are Mastodon's."""

    account_id: int
    for_not_following: str = "accept"
    for_not_followers: str = "accept"
    for_new_accounts: str = "accept"
    for_private_mentions: str = "filter"
    for_limited_accounts: str = "filter"


@dataclass(slots=True)
class NotificationRequest:
    """Filtered mentions from one sender, waiting for the recipient to accept or dismiss
    them. `notifications_count` is computed when read (capped, as Mastodon does)."""

    id: int
    account_id: int  # recipient
    from_account_id: int
    created_at: datetime
    updated_at: datetime
    last_status_id: int | None = None
    notifications_count: int = 0


@dataclass(slots=True)
class NotificationGroupStats:
    """One notification group within a page's range: its newest notification, how many it
    holds, the newest senders, and the oldest notification at or above the range's start."""

    group_key: str
    most_recent_id: int
    most_recent_at: datetime
    count: int
    sample_account_ids: list[int]
    page_min_id: int | None = None


@dataclass(slots=True)
class Marker:
    """Where a user stopped reading a timeline (`home`, `notifications`), synced across their
    clients. `version` starts at 1 and grows by one with each save that moves the position."""

    timeline: str
    last_read_id: int
    version: int
    updated_at: datetime


@dataclass(slots=True)
class CustomEmoji:
    """An operator's `:shortcode:` image. `image_key` is the image as uploaded (maybe
    animated), `static_key` its first frame as a PNG; both are blob-store keys."""

    shortcode: str
    image_key: str
    static_key: str
    created_at: datetime
    category: str | None = None
    visible_in_picker: bool = True


@dataclass(slots=True)
class Announcement:
    """An operator's notice to every user. `starts_at`/`ends_at` (both or neither) are the
    time of the event it announces, shown by clients; `all_day` if only their dates matter."""

    id: int
    text: str
    published_at: datetime
    updated_at: datetime
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool = False


@dataclass(slots=True)
class ReactionCount:
    """One emoji's reactions to an announcement: how many, and whether the viewer is one."""

    name: str
    count: int
    me: bool = False


@dataclass(frozen=True, slots=True)
class ProfileField:
    """A name/value pair of a profile (`fields_attributes`); `value_html` is rendered once, when
    written (links), as a tweet's content is."""

    name: str
    value: str
    value_html: str


@dataclass(slots=True)
class FollowRequest:
    """A pending request to follow a locked account: not a follow until its owner authorizes it."""

    id: int
    account_id: int
    target_account_id: int
    created_at: datetime
    # The follow's options, for when the request is authorized (`Follow`).
    show_reblogs: bool = True
    notify: bool = False
    languages: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class FollowOptions:
    """What a follower chose of a follow (Mastodon's `reblogs`, `notify`, `languages`): None,
    unchanged (a new follow: the default)."""

    show_reblogs: bool | None = None
    notify: bool | None = None
    # () turns a language filter off (every language), as Mastodon's empty `languages`.
    languages: tuple[str, ...] | None = None

    def applied(self, follow: Follow | FollowRequest) -> bool:
        """Set the chosen options on `follow`; True if that changed it."""
        before = (follow.show_reblogs, follow.notify, follow.languages)
        if self.show_reblogs is not None:
            follow.show_reblogs = self.show_reblogs
        if self.notify is not None:
            follow.notify = self.notify
        if self.languages is not None:
            follow.languages = self.languages or None
        return before != (follow.show_reblogs, follow.notify, follow.languages)


@dataclass(slots=True)
class AccountSource:
    """What the `source` of the signed-in user's own account needs beyond the account."""

    locale: str | None  # chosen at sign-up: the language shown until a default is set
    follow_requests_count: int
    role: str | None = None  # a staff role (`ROLES`), if any


@dataclass(slots=True)
class FeaturedTag:
    """A hashtag an account features on its profile; `statuses_count` and `last_status_at`
    describe the account's public and unlisted tweets carrying it (filled in when read)."""

    id: int
    account_id: int
    name: str
    created_at: datetime
    statuses_count: int = 0
    last_status_at: datetime | None = None


ROLES = ("moderator", "admin", "owner")  # weakest first: each holds the powers of those before


@dataclass(slots=True)
class AccountModeration:
    """What moderators decided about an account (kept apart from `Account`: most have none).
    `approved` False: a sign-up waiting for approval (`reason` is what the user wrote)."""

    account_id: int
    role: str | None = None
    approved: bool = True
    reason: str = ""
    suspended_at: datetime | None = None
    silenced_at: datetime | None = None
    sensitized_at: datetime | None = None
    disabled_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(slots=True)
class Report:
    """A user's report of an account (and some of its tweets) to the moderators."""

    id: int
    account_id: int  # who reported
    target_account_id: int
    category: str
    comment: str
    created_at: datetime
    status_ids: tuple[int, ...] = ()
    rule_ids: tuple[int, ...] = ()
    forwarded: bool = False
    assigned_account_id: int | None = None
    action_taken_at: datetime | None = None
    action_taken_by_account_id: int | None = None
    updated_at: datetime | None = None


@dataclass(slots=True)
class AuditEntry:
    """One moderator action, kept for the audit log (`chirp admin audit`)."""

    id: int
    account_id: int | None  # the moderator; None: the operator's shell
    action: str  # e.g. `suspend`, `approve`, `resolve_report`
    target_type: str  # `account` or `report`
    target_id: int
    created_at: datetime
    text: str = ""


@dataclass(slots=True)
class AccountBlock:
    """`account_id` blocks `target_account_id`: no follow either way, neither sees the other."""

    id: int
    account_id: int
    target_account_id: int
    created_at: datetime


@dataclass(slots=True)
class AccountMute:
    """`account_id` mutes `target_account_id` (until `expires_at`, None: for good); with
    `notifications`, their notifications are dropped too."""

    id: int
    account_id: int
    target_account_id: int
    notifications: bool
    created_at: datetime
    expires_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(slots=True)
class Poll:
    """A tweet's poll. Recorded just before its tweet (`status_id`); `votes` counts each option
    (aligned with `options`), `voters_count` the accounts that voted. Votes are never changed:
    an edit of the poll replaces it with zeroed counts, as Mastodon resets them."""

    id: int
    status_id: int
    account_id: int
    options: tuple[str, ...]
    expires_at: datetime
    multiple: bool = False
    hide_totals: bool = False
    votes: tuple[int, ...] = ()
    voters_count: int = 0

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


@dataclass(slots=True)
class ScheduledStatus:
    """A tweet to publish at `scheduled_at`: what was posted (Mastodon's `params`, JSON) and
    the attachments it holds meanwhile (neither attachable elsewhere nor collected)."""

    id: int
    account_id: int
    scheduled_at: datetime
    params: dict[str, Any]
    media_ids: tuple[int, ...] = ()


REPLIES_POLICIES = ("followed", "list", "none")


@dataclass(slots=True)
class UserList:
    """A list of accounts its owner follows, read as a timeline of their tweets (Mastodon's
    List). `replies_policy`: which replies to someone else it shows (to accounts the owner
    follows, to the list's members, or none); `exclusive`: its members' tweets leave the
    owner's home timeline."""

    id: int
    account_id: int
    title: str
    replies_policy: str = "list"
    exclusive: bool = False


@dataclass(slots=True)
class Conversation:
    """One account's view of a direct conversation (Mastodon's AccountConversation): the
    direct tweets of a thread (`thread_id`: its root) among the same people. `participant_ids`
    are the others (sorted; empty when one wrote only to oneself); `last_status_id` is the
    newest of `status_ids`; `unread` until the account reads it or writes in it."""

    id: int
    account_id: int
    thread_id: int
    participant_ids: tuple[int, ...]
    status_ids: tuple[int, ...]
    last_status_id: int
    unread: bool = False


@dataclass(frozen=True, slots=True)
class FilterKeyword:
    id: int
    keyword: str
    whole_word: bool = True


@dataclass(frozen=True, slots=True)
class FilterStatus:
    id: int
    status_id: int


@dataclass(slots=True)
class Filter:
    """An account's content filter (Mastodon's v2 `Filter`): where it applies (`context`),
    what it does to a match (`action`: warn, hide, blur), its keywords and filtered tweets.
    `version` grows with each save, so concurrent edits of one filter never lose each other's."""

    id: int
    account_id: int
    title: str
    context: tuple[str, ...]
    action: str = "warn"
    expires_at: datetime | None = None
    keywords: tuple[FilterKeyword, ...] = ()
    statuses: tuple[FilterStatus, ...] = ()
    version: int = 0

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True, slots=True)
class PreviewCard:
    """What a link's page says about itself (OpenGraph, Twitter, oEmbed), fetched once per
    link (`link_key`, as `core.text.link_key`) after a tweet carried it. `image_key`: the
    preview picture in the blob store, resized by the media pipeline."""

    link_key: str
    url: str
    title: str = ""
    description: str = ""
    type: str = "link"
    author_name: str = ""
    author_url: str = ""
    provider_name: str = ""
    provider_url: str = ""
    html: str = ""
    width: int = 0
    height: int = 0
    image_key: str | None = None
    image_url: str | None = None
    image_width: int = 0
    image_height: int = 0
    blurhash: str | None = None
    embed_url: str = ""
    language: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    # Set when the page could not be read (refused, failed, not HTML): not fetched again soon.
    failed: bool = False


@dataclass(slots=True)
class PushSubscription:
    """A Web Push subscription: one per access token (as Mastodon), gone with the token.
    `p256dh` and `auth` are the browser's keys (base64url); `alerts` the notification types
    pushed; `policy` whose notifications: all, followed, follower or none."""

    id: int
    token_id: int
    account_id: int
    endpoint: str
    p256dh: str
    auth: str
    alerts: frozenset[str]
    policy: str
    standard: bool  # RFC 8291 `aes128gcm`; False: the draft `aesgcm` Mastodon used before
    created_at: datetime
