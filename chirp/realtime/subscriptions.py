"""How the Mastodon streams clients ask for (`user`, `public:media`, `hashtag`...) map onto bus
topics (`chirp.core.topics`), and what else a subscription delivers."""

from __future__ import annotations

from dataclasses import dataclass

from chirp.core.errors import ChirpError, Forbidden, InvalidInput, NotAuthenticated
from chirp.core.models import Principal
from chirp.core.scopes import allows
from chirp.core.topics import (
    ANNOUNCEMENT_EVENTS,
    ANNOUNCEMENTS,
    PUBLIC,
    PUBLIC_MEDIA,
    REMOTE,
    direct,
    hashtag,
    list_,
    live,
    status,
    user,
)


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """What one subscription delivers: the topic, the `stream` label frames carry, and which
    events pass (None = all)."""

    topic: str
    label: tuple[str, ...]
    events: frozenset[str] | None = None


class UnknownStream(ChirpError):
    status = 400


STREAMS = (
    "user",
    "user:notification",
    "public",
    "public:local",
    "public:remote",
    "public:media",
    "public:local:media",
    "public:remote:media",
    "hashtag",
    "hashtag:local",
    "direct",
    "list",
    "status",
    "chirp:live",
    "chirp:live:health",  # the streamer's own: their stream's health (chirp.video.health)
)

LIVE_EVENTS = frozenset({"stream.chat", "stream.chat.delete", "stream.viewers", "stream.ended"})
HEALTH_EVENTS = frozenset({"stream.health", "stream.ended"})


def companions(stream: StreamRequest) -> list[StreamRequest]:
    """What a subscription to `stream` also delivers, from topics shared by every subscriber:
    the `user` stream carries the announcements, under its own label."""
    if stream.label == ("user",) and stream.topic.startswith("user:"):
        return [StreamRequest(ANNOUNCEMENTS, stream.label, ANNOUNCEMENT_EVENTS)]
    return []


def _need(principal: Principal | None, *scopes: str) -> Principal:
    if principal is None or principal.account is None:
        raise NotAuthenticated("This stream requires an authenticated user")
    if not any(allows(principal.scopes, scope) for scope in scopes):
        raise Forbidden("This action is outside the authorized scopes")
    return principal


def resolve_stream(
    name: str,
    principal: Principal | None,
    *,
    tag: str | None = None,
    status_id: int | None = None,
    stream_id: int | None = None,
    list_id: int | None = None,
) -> StreamRequest:
    """Map a Mastodon stream name (plus `tag`, `list`, or `id` for `status` and `chirp:live`)
    to its topic; raise on unknown streams, missing parameters or missing rights (the caller
    checked that the viewer owns the list, may see the tweet or watch the live stream)."""
    if name in ("user", "user:notification", "direct"):
        who = _need(
            principal,
            "read:notifications" if name == "user:notification" else "read:statuses",
        )
        assert who.account is not None
        if name == "direct":
            return StreamRequest(direct(who.account.id), ("direct",))
        if name == "user":
            return StreamRequest(user(who.account.id), ("user",))
        return StreamRequest(user(who.account.id), (name,), frozenset({"notification"}))
    if name == "list":
        _need(principal, "read:lists", "read:statuses")
        if list_id is None:
            raise InvalidInput("Missing list parameter")
        return StreamRequest(list_(list_id), ("list", str(list_id)))
    if name in ("public", "public:local"):
        return StreamRequest(PUBLIC, (name,))
    if name in ("public:media", "public:local:media"):
        return StreamRequest(PUBLIC_MEDIA, (name,))
    if name in ("public:remote", "public:remote:media"):
        return StreamRequest(REMOTE, (name,))
    if name in ("hashtag", "hashtag:local"):
        if not tag or not tag.strip().lstrip("#"):
            raise InvalidInput("Missing tag name parameter")
        clean = tag.strip().lstrip("#")
        return StreamRequest(hashtag(clean), (name, clean))
    if name == "status":
        if status_id is None:
            raise InvalidInput("Missing status id parameter")
        return StreamRequest(
            status(status_id), ("status", str(status_id)), frozenset({"status.counts"})
        )
    if name == "chirp:live":
        if stream_id is None:
            raise InvalidInput("Missing live stream id parameter")
        return StreamRequest(live(stream_id), ("chirp:live", str(stream_id)), LIVE_EVENTS)
    if name == "chirp:live:health":  # the caller checked that the viewer is the streamer
        _need(principal, "read:statuses")
        if stream_id is None:
            raise InvalidInput("Missing live stream id parameter")
        return StreamRequest(live(stream_id), (name, str(stream_id)), HEALTH_EVENTS)
    raise UnknownStream("Unknown stream type")
