"""The seam between the video relay and the social side of live streams.

The relay (`chirp.video`) moves bytes: it accepts publishers, transcodes and uploads HLS. Whose
stream it is, who may watch it and who hears that it went live belong to the domain
(`chirp.core.live`), which implements `LiveHooks`. The relay only ever calls these three methods;
the domain asks the video side only where a stream plays (`LivePlayback`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class PublishGrant:
    """A publisher's stream key was accepted: it feeds this stream."""

    stream_id: int
    account_id: int
    # Followers-only streams are played back through signed URLs, never public ones.
    private: bool


class LiveHooks(Protocol):
    async def authorize(self, stream_key: str) -> PublishGrant | None:
        """The stream a key publishes to, or None for a wrong or revoked key (checked before any work)."""
        ...

    async def went_live(self, stream_id: int) -> None:
        """The first segment of the stream is listed in its playlist: tell followers (idempotent)."""
        ...

    async def ended(self, stream_id: int) -> None:
        """The publisher left and the reconnect grace period ran out, or the streamer ended it."""
        ...


@runtime_checkable
class AccountLiveHooks(LiveHooks, Protocol):
    """Optional: lets a signed-in streamer go live from the browser with their OAuth token
    (`write` scope) instead of pasting the stream key. The relay uses it when the hooks have it."""

    async def authorize_account(self, account_id: int) -> PublishGrant | None:
        """The stream this account may publish to now (its live or newest created stream)."""
        ...


class LivePlayback(Protocol):
    def playback_url(self, stream_id: int, *, private: bool) -> str:
        """The master playlist a player opens. Asked for private streams only after the viewer
        passed the access check: whoever holds a signed URL can watch until it expires."""
        ...

    def low_latency_url(self, stream_id: int, playback_url: str) -> str:
        """The stream's Low-Latency HLS master (on Chirp's origin), signed as `playback_url`."""
        ...

    async def preview_urls(self, stream_id: int, *, private: bool) -> tuple[str, str]:
        """(poster, animated preview) of a stream that went live; same access as playback."""
        ...
