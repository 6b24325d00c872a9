"""The domain side of the LiveHooks port, for relay tests: known keys, and a log of calls."""

from __future__ import annotations

import asyncio

from chirp.core.ports.video import PublishGrant

KEY = "k" * 43
OTHER_KEY = "o" * 43
STREAMS = {KEY: 42, OTHER_KEY: 43}


class RecordingHooks:
    """The domain side of the LiveHooks port: one known key, and a log of what it heard."""

    def __init__(self) -> None:
        self.authorized: list[str] = []
        self.live: list[int] = []
        self.ended_ids: list[int] = []
        self.ended_event = asyncio.Event()

    async def authorize(self, stream_key: str) -> PublishGrant | None:
        self.authorized.append(stream_key)
        stream_id = STREAMS.get(stream_key)
        return None if stream_id is None else PublishGrant(stream_id, 7, private=False)

    async def went_live(self, stream_id: int) -> None:
        self.live.append(stream_id)

    async def ended(self, stream_id: int) -> None:
        self.ended_ids.append(stream_id)
        self.ended_event.set()


class AccountHooks(RecordingHooks):
    """Also lets accounts in `streamers` publish with their access token (browser ingest)."""

    def __init__(self, streamers: dict[int, int]) -> None:
        super().__init__()
        self.streamers = streamers

    async def authorize_account(self, account_id: int) -> PublishGrant | None:
        stream_id = self.streamers.get(account_id)
        return None if stream_id is None else PublishGrant(stream_id, account_id, private=True)
