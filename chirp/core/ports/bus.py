"""The event bus port: how nodes hand realtime events to each other.

A message goes to one or more *topics* (`user:42`, `public`, `hashtag:python`...). Every kept
message gets a *position*, one sequence for the whole bus, so positions grow along every topic
and one value serves as the `id` of an SSE event or a websocket frame. A client that reconnects
with its last position is replayed what it missed from a capped history, or told to reload when
the history no longer reaches back (`replay` returns None). Pub/sub alone is at-most-once; the
history is what makes reconnects loss-free.

History is kept for *watched* topics only: a topic is watched from the moment a node listens
to it until `WATCH_SECONDS` after the last node stopped (a client that drops and comes back
within that time is replayed what it missed). A tweet goes to the `user:<id>` topic of each of
its author's followers, most of whom are not connected: keeping an index for each of them was
most of a publish's cost (Mastodon pushes to a follower's timeline only while it is subscribed,
for the same reason). A replay of a topic not watched, or from before it was, resets.

A node `listen`s to a topic only while one of its own sockets needs it; messages for the topics
it listens to reach the `deliver` callback given to `start`, in position order per topic. A
message published to many topics may arrive in one call with all of them (a tweet to 5,000
followers' `user:<id>` is then one call and one `Message`, not 5,000), or topic by topic.

Positions are `<epoch>-<sequence>`: the epoch names one life of the history (an in-process
bus's start, a Redis dataset's creation), so a position from a history since lost (a restart,
a Redis restarted empty) resets instead of replaying a silent gap, as Centrifugo's epochs do.
A bus that loses its server neither delivers locally only (other nodes' sockets would miss the
message without knowing) nor drops the message: `publish` raises `BusUnavailable`, and the
caller retries (the outbox) or gives up knowingly (ephemeral counters, chat). When a node's link
to the server comes back, it hands its listeners, per topic, what they missed meanwhile, or a
`RESET` message when that cannot be known (the epoch changed).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Message:
    """One published event, the same for every topic it went to."""

    # "" for ephemeral messages (live counters, control), which are never replayed.
    position: str
    event: str
    # The payload exactly as it goes on the wire: JSON text for most events, a bare id for
    # `delete`, as Mastodon sends them.
    payload: str
    # The publish's `once` key ("" if none): the same event published again (the key lost with
    # an emptied history) is recognised by the hub (`chirp.realtime.hub`).
    once: str = ""


class BusUnavailable(Exception):
    """The bus's server cannot be reached: the message was not published."""


# Delivered (position "") for topics whose missed messages are unknown after a reconnect: the
# hub tells their subscribers to reload (`chirp.reset`).
RESET = "chirp.reset"

# `deliver(topics, message)`: `message` for those of its topics this node listens to.
Deliver = Callable[[Collection[str], Message], None]

# How long a `once` key keeps a repeated publish out (the outbox retries within an hour).
ONCE_SECONDS = 3600
# How long a topic's history is still kept after its last listener went (see above).
WATCH_SECONDS = 3600


def position_key(position: str) -> tuple[int, int]:
    """Positions are `<epoch>-<sequence>`; this orders them (an epoch begins after the one it
    replaces, unless a clock went back: a reset is sent then anyway). Malformed ones sort first."""
    high, _, low = position.partition("-")
    try:
        return int(high), int(low or 0)
    except ValueError:
        return (-1, -1)


class EventBus(Protocol):
    async def start(self, deliver: Deliver) -> None:
        """Connect and begin handing messages for listened topics to `deliver`."""

    async def publish(
        self,
        topics: Sequence[str],
        event: str,
        payload: str,
        *,
        keep: bool = True,
        once: str | None = None,
    ) -> str:
        """Send to every listener of `topics`; returns the position ("" when not kept).
        Raises `BusUnavailable` when the bus's server cannot be reached.

        With `once`, a key naming the event, only the first publish with that key goes out (for
        at least `ONCE_SECONDS`); repeats are dropped and return the first one's position: an
        outbox batch run again (a later step failed) pushes nothing twice."""

    async def listen(self, topic: str) -> None: ...

    async def unlisten(self, topic: str) -> None: ...

    async def replay(self, topic: str, after: str) -> list[Message] | None:
        """Kept messages of `topic` after `after`, oldest first; None if some were dropped or
        never kept (the topic was not watched then)."""

    async def reachable(self) -> bool:
        """Whether the bus's server answers now (for monitoring: a `/metrics` scrape asks);
        an in-process bus always does."""

    async def close(self) -> None: ...
