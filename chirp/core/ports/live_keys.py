"""Stream keys: the secret a streamer's encoder presents to publish (one per account)."""

from __future__ import annotations

from typing import Protocol

from chirp.core.models import StreamKey


class LiveKeyStore(Protocol):
    """Each account's stream key, kept as a digest."""

    async def set_stream_key(self, key: StreamKey) -> None:
        """Create or replace the account's key (the old digest stops matching at once)."""
        ...

    async def get_stream_key(self, account_id: int) -> StreamKey | None: ...

    async def find_stream_key(self, digest: str) -> StreamKey | None:
        """The key with this digest, if any account holds it."""
        ...
