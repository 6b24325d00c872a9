"""Bus topics, and how the Mastodon streams clients ask for map onto them.

A topic is an audience: `user:<id>` (a home timeline and its notifications), `direct:<id>`,
`public`, `hashtag:<key>`, `status:<id>` (live counters, a Chirp extension), `live:<id>` (a live
stream's chat, viewer count and end, a Chirp extension) and `token:<id>` (control: the token was
revoked). Visibility is decided when choosing topics at publish time,
so every subscriber of a topic may see every event on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from chirp.core.errors import ChirpError, Forbidden, InvalidInput, NotAuthenticated
from chirp.core.models import Principal
from chirp.core.scopes import allows
from chirp.core.text import tag_key

# Control event on `token:<id>`: every node closes the streams opened with that token.
REVOKED = "chirp.revoked"

PUBLIC = "public"
PUBLIC_MEDIA = "public:media"
REMOTE = "public:remote"  # no federation yet: a stream that stays quiet
# Announcements go to every `user` stream: one topic they all listen to (`companions`).
ANNOUNCEMENTS = "announcements"
ANNOUNCEMENT_EVENTS = frozenset({"announcement", "announcement.reaction", "announcement.delete"})


# Control event on `shunning:<account>`: the account's hidden accounts changed (a block or a
# mute); its payload lists them all ("1,2,3"), and every node refilters that account's streams.
SHUNNING = "chirp.shunning"


def shunning(account_id: int) -> str:
    return f"shunning:{account_id}"


def user(account_id: int) -> str:
    return f"user:{account_id}"


def direct(account_id: int) -> str:
    return f"direct:{account_id}"


def hashtag(name: str) -> str:
    return f"hashtag:{tag_key(name)}"


def status(status_id: int) -> str:
    return f"status:{status_id}"


def live(stream_id: int) -> str:
    return f"live:{stream_id}"


def token(token_id: int) -> str:
    return f"token:{token_id}"


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
    "status",
    "chirp:live",
    "chirp:live:health",  # the streamer's own: their stream's health (chirp.streaming.health)
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
) -> StreamRequest:
    """Map a Mastodon stream name (plus `tag`, or `id` for `status` and `chirp:live`) to its
    topic; raise on unknown streams, missing parameters or missing rights (the caller checked
    that the viewer may see the tweet or watch the live stream)."""
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
