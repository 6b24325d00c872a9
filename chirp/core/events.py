"""Domain events: one dataclass per event, built once by its use case, and one codec to and from
the outbox row (`models.Event`: id, kind, JSON payload).

A backend records the row in the write's transaction and never changes it; what it learns while
writing (a delete's retweets) it hands back to the use case, which builds the event from it
(`Store.delete_status`). The dispatcher decodes each row once (`decode`) and its steps read typed
fields. Rows written before a field existed decode with the field's default; keys the event
does not know (the tracer's `traceparent`) are left on the row.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from chirp.core.audience import TweetRef
from chirp.core.context import Context
from chirp.core.models import Event


@dataclass(frozen=True, slots=True)
class StatusCreated:
    KIND: ClassVar[str] = "status.created"
    status_id: int


@dataclass(frozen=True, slots=True)
class StatusUpdated:
    KIND: ClassVar[str] = "status.updated"
    status_id: int
    new_mentions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusDeleted:
    """A deleted tweet, as the audience rule reads it (the row is gone when its side effects
    run), and what the delete removed with it."""

    KIND: ClassVar[str] = "status.deleted"
    status_id: int
    account_id: int
    visibility: str = "public"
    reblog_of_id: int | None = None
    in_reply_to_account_id: int | None = None
    mention_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    # The tweets the delete removed (it and its retweets), and its retweets as (id, retweeter).
    removed_ids: tuple[int, ...] = ()
    retweets: tuple[tuple[int, int], ...] = ()
    language: str | None = None  # (last: events recorded before it lack it)

    @property
    def tweet(self) -> TweetRef:
        return TweetRef(
            self.status_id,
            self.account_id,
            self.visibility,
            self.reblog_of_id,
            self.in_reply_to_account_id,
            None,
            self.mention_ids,
            self.tags,
            self.language,
        )


@dataclass(frozen=True, slots=True)
class FavouriteCreated:
    KIND: ClassVar[str] = "favourite.created"
    status_id: int
    account_id: int
    author_id: int


@dataclass(frozen=True, slots=True)
class FavouriteRemoved:
    KIND: ClassVar[str] = "favourite.removed"
    status_id: int
    account_id: int
    author_id: int


@dataclass(frozen=True, slots=True)
class FollowCreated:
    KIND: ClassVar[str] = "follow.created"
    account_id: int
    target_account_id: int


@dataclass(frozen=True, slots=True)
class FollowRemoved:
    KIND: ClassVar[str] = "follow.removed"
    account_id: int
    target_account_id: int


@dataclass(frozen=True, slots=True)
class FollowRequestCreated:
    KIND: ClassVar[str] = "follow_request.created"
    account_id: int
    target_account_id: int


@dataclass(frozen=True, slots=True)
class FollowRequestRemoved:
    KIND: ClassVar[str] = "follow_request.removed"
    account_id: int
    target_account_id: int


@dataclass(frozen=True, slots=True)
class FollowRequestAuthorized:
    KIND: ClassVar[str] = "follow_request.authorized"
    account_id: int
    target_account_id: int


@dataclass(frozen=True, slots=True)
class AccountUnlocked:
    KIND: ClassVar[str] = "account.unlocked"
    account_id: int


@dataclass(frozen=True, slots=True)
class TagFollowRemoved:
    KIND: ClassVar[str] = "tag_follow.removed"
    account_id: int
    name: str


@dataclass(frozen=True, slots=True)
class StreamLive:
    KIND: ClassVar[str] = "stream.live"
    stream_id: int


@dataclass(frozen=True, slots=True)
class StreamEnded:
    KIND: ClassVar[str] = "stream.ended"
    stream_id: int
    # Its relay died: no replay will be completed, and the end need not wait for one.
    relay_gone: bool = False


@dataclass(frozen=True, slots=True)
class PollVoted:
    KIND: ClassVar[str] = "poll.voted"
    poll_id: int
    status_id: int
    account_id: int


@dataclass(frozen=True, slots=True)
class PollEnded:
    """Due at `expires_at` (ISO 8601): a poll whose end moved since is not ended by it."""

    KIND: ClassVar[str] = "poll.ended"
    poll_id: int
    status_id: int
    expires_at: str


@dataclass(frozen=True, slots=True)
class ScheduledStatusDue:
    KIND: ClassVar[str] = "scheduled_status.due"
    scheduled_id: int
    scheduled_at: str


@dataclass(frozen=True, slots=True)
class AccountCreated:
    KIND: ClassVar[str] = "account.created"
    account_id: int


@dataclass(frozen=True, slots=True)
class ReportCreated:
    KIND: ClassVar[str] = "report.created"
    report_id: int
    account_id: int


@dataclass(frozen=True, slots=True)
class AccountDeleted:
    KIND: ClassVar[str] = "account.deleted"
    account_id: int


@dataclass(frozen=True, slots=True)
class TokensRevoked:
    """Tokens that stopped working (revoked, rotated, or their account disabled): their
    streams close on every node (`core.revocation`)."""

    KIND: ClassVar[str] = "token.revoked"
    token_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class WebPushDue:
    """`attempt` counts the tries before it (the retries are new events)."""

    KIND: ClassVar[str] = "web_push.due"
    subscription_id: int
    account_id: int
    notification_id: int
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class AnnouncementPublished:
    KIND: ClassVar[str] = "announcement.published"
    announcement_id: int


@dataclass(frozen=True, slots=True)
class AnnouncementDeleted:
    KIND: ClassVar[str] = "announcement.deleted"
    announcement_id: int


@dataclass(frozen=True, slots=True)
class AnnouncementReaction:
    KIND: ClassVar[str] = "announcement.reaction"
    announcement_id: int
    name: str


DomainEvent = (
    StatusCreated
    | StatusUpdated
    | StatusDeleted
    | FavouriteCreated
    | FavouriteRemoved
    | FollowCreated
    | FollowRemoved
    | FollowRequestCreated
    | FollowRequestRemoved
    | FollowRequestAuthorized
    | AccountUnlocked
    | TagFollowRemoved
    | StreamLive
    | StreamEnded
    | PollVoted
    | PollEnded
    | ScheduledStatusDue
    | AccountCreated
    | ReportCreated
    | AccountDeleted
    | TokensRevoked
    | WebPushDue
    | AnnouncementPublished
    | AnnouncementDeleted
    | AnnouncementReaction
)

EVENT_TYPES: dict[str, type[DomainEvent]] = {cls.KIND: cls for cls in typing.get_args(DomainEvent)}


class UnknownEvent(ValueError):
    """An outbox row of a kind this version does not know."""


def encode(event: DomainEvent, event_id: int) -> Event:
    """The outbox row of an event (its payload a fresh dict: the row is the backend's)."""
    payload = {f.name: _plain(getattr(event, f.name)) for f in dataclasses.fields(event)}
    return Event(id=event_id, kind=event.KIND, payload=payload)


def decode(row: Event) -> DomainEvent:
    """The event an outbox row holds."""
    cls = EVENT_TYPES.get(row.kind)
    if cls is None:
        raise UnknownEvent(row.kind)
    hints = _hints(cls)
    values: dict[str, Any] = {
        name: _typed(row.payload[name], hint) for name, hint in hints.items() if name in row.payload
    }
    if cls is StatusDeleted:
        values.update(_deleted_before(row.payload))
    return cls(**values)


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


_HINTS: dict[str, dict[str, Any]] = {}


def _hints(cls: type[DomainEvent]) -> dict[str, Any]:
    """Each field's type, by name (read once per event type)."""
    if cls.KIND not in _HINTS:
        every = typing.get_type_hints(cls)
        _HINTS[cls.KIND] = {f.name: every[f.name] for f in dataclasses.fields(cls)}
    return _HINTS[cls.KIND]


def _typed(value: object, hint: Any) -> object:
    """JSON lists back to the tuples the event holds (a comma-separated string, as rows of
    older versions kept a deleted tweet's tags, too)."""
    if typing.get_origin(hint) is tuple:
        if isinstance(value, str):
            return tuple(v for v in value.split(",") if v)
        if isinstance(value, list):
            inner = typing.get_args(hint)[0]
            return tuple(_typed(v, inner) for v in value)
    return value


def _deleted_before(payload: Mapping[str, Any]) -> dict[str, object]:
    """A `status.deleted` row written before the event was typed: the store added what it
    removed under other names."""
    found: dict[str, object] = {}
    if "removed_ids" not in payload and "deleted_ids" in payload:
        found["removed_ids"] = tuple(payload["deleted_ids"])
    if "retweets" not in payload and "reblog_ids" in payload:
        found["retweets"] = tuple(
            zip(payload["reblog_ids"], payload.get("reblogger_ids") or [], strict=False)
        )
    return found


def outbox_row(ctx: Context, event: DomainEvent) -> Event:
    """The row a use case hands its write, with a new id."""
    return encode(event, ctx.new_id())
