"""Logic every storage backend shares, whatever it keeps its data in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from chirp.core.models import Announcement, ProfileField, Status
from chirp.core.ports.timelines import FanOut


def profile_changes(
    *,
    display_name: str | None,
    note: str | None,
    locked: bool | None,
    bot: bool | None,
    discoverable: bool | None,
    default_privacy: str | None = None,
    default_sensitive: bool | None = None,
    default_language: str | None = None,
) -> dict[str, Any]:
    """The fields a profile update sets (None leaves a field as is), with the display name's
    search key (`display_name_key`) when it changes. An empty `default_language` clears it.
    Profile fields are encoded by each backend (`profile_fields_values`)."""
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("display_name", display_name),
            ("note", note),
            ("locked", locked),
            ("bot", bot),
            ("discoverable", discoverable),
            ("default_privacy", default_privacy),
            ("default_sensitive", default_sensitive),
        )
        if value is not None
    }
    if display_name is not None:
        changes["display_name_key"] = display_name.casefold()
    if default_language is not None:
        changes["default_language"] = default_language or None
    return changes


def profile_fields_values(fields: Sequence[ProfileField]) -> list[list[str]]:
    """Profile fields as stored: [name, value, value as HTML] each."""
    return [[f.name, f.value, f.value_html] for f in fields]


def profile_fields_from_values(values: Iterable[Sequence[str]]) -> tuple[ProfileField, ...]:
    return tuple(ProfileField(name, value, html) for name, value, html in values)


def participants_key(participant_ids: Iterable[int]) -> str:
    """A conversation's other participants as one value ("1,2,3", sorted), part of its key."""
    return ",".join(str(i) for i in sorted(set(participant_ids)))


class FanOutOne(ABC):
    """`fan_out` as a batch of one `fan_out_many`, which each store implements."""

    @abstractmethod
    async def fan_out_many(self, requests: Sequence[FanOut]) -> dict[int, list[int]]: ...

    async def fan_out(self, status: Status, *, owner_ids: Iterable[int]) -> list[int]:
        return (await self.fan_out_many([FanOut(status, tuple(owner_ids))]))[status.id]


def chronological(announcement: Announcement) -> tuple[datetime, int]:
    """The order announcements are listed in, as Mastodon's: by the start of the event they
    announce, else by publication (then by id)."""
    return (announcement.starts_at or announcement.published_at, announcement.id)
