"""Bus topics: the names of the audiences realtime events go to.

A topic is an audience: `user:<id>` (a home timeline and its notifications), `direct:<id>`,
`list:<id>` (a list's timeline), `public`, `hashtag:<key>`, `status:<id>` (live counters, a Chirp extension), `live:<id>` (a live
stream's chat, viewer count and end, a Chirp extension) and `token:<id>` (control: the token was
revoked). Visibility is decided when choosing topics at publish time,
so every subscriber of a topic may see every event on it.
"""

from __future__ import annotations

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
# Control event on the same topic: the account's content filters changed; its payload is
# them all (`filter_matching.filters_to_wire`), and every node refilters that account's streams.
FILTERS = "chirp.filters"


def shunning(account_id: int) -> str:
    return f"shunning:{account_id}"


def user(account_id: int) -> str:
    return f"user:{account_id}"


def direct(account_id: int) -> str:
    return f"direct:{account_id}"


def list_(list_id: int) -> str:
    return f"list:{list_id}"


def hashtag(name: str) -> str:
    return f"hashtag:{tag_key(name)}"


def status(status_id: int) -> str:
    return f"status:{status_id}"


def live(stream_id: int) -> str:
    return f"live:{stream_id}"


def token(token_id: int) -> str:
    return f"token:{token_id}"
