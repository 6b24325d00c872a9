"""Media attachments: uploads, their processing state, and their removal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from chirp.core.models import MediaAttachment
from chirp.core.ports.errors import MissingRecord


class MediaNotAttachable(MissingRecord):
    """A tweet named an attachment that is not the author's, not ready, or already attached."""


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


class MediaRemovalStore(Protocol):
    async def claim_own_media(
        self, account_id: int, media_id: int, now: datetime
    ) -> MediaAttachment | None:
        """Mark the account's unattached attachment `deleting` (updated `now`) and return it,
        so no tweet can attach it any more; None (and no write) if it is not the account's,
        is attached, or is being deleted already."""
        ...
