"""Home feeds (fan-out) and the timelines read from tweets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from chirp.core.models import Page, Status


@dataclass(frozen=True, slots=True)
class FanOut:
    """One tweet to push into home feeds and list timelines: whose, `core.audience` decided
    (`Audience.feed_ids`, `Audience.list_ids`)."""

    status: Status
    owner_ids: tuple[int, ...] = ()
    list_ids: tuple[int, ...] = ()


@dataclass(slots=True)
class AccountFilter:
    """Options of an account's timeline (`GET /api/v1/accounts/:id/statuses`)."""

    visibilities: tuple[str, ...] = ("public", "unlisted")
    include_direct_to: int | None = None  # also direct/private posts that mention this viewer
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    pinned: bool = False
    tagged: str | None = None
    only_media: bool = False


class TimelineStore(Protocol):
    async def fan_out(self, status: Status, *, owner_ids: Iterable[int]) -> list[int]:
        """Push `status` onto the home feeds of `owner_ids` (a status that no longer exists is
        not pushed). Returns the owners whose feeds changed."""
        ...

    async def fan_out_many(self, requests: Sequence[FanOut]) -> dict[int, list[int]]:
        """Several fan-outs in one transaction (each feed page written once); per status id,
        the feeds it reached."""
        ...

    async def trim_home_feeds(self, owner_ids: Iterable[int], cap: int, slack: int = 0) -> int:
        """Cut feeds longer than `cap + slack` back to their newest `cap` entries (the slack
        lets a feed be trimmed once per many tweets, not after each); returns entries removed."""
        ...

    async def merge_into_home_feed(
        self, owner_id: int, author_id: int, statuses: Sequence[Status]
    ) -> int:
        """After a follow: put these tweets of the author (those the audience rule gives the
        owner) into the owner's feed, only while the follow stands and for tweets not deleted
        meanwhile; returns the entries added."""
        ...

    async def remove_unfollowed_from_feed(self, owner_id: int, author_id: int) -> int:
        """After an unfollow: take the author's entries out of the owner's feed, unless the
        owner follows the author again by now; returns entries removed. `remove_follow` may
        have done it already (this is the retry that survives a crash in between)."""
        ...

    async def home_timeline(self, owner_id: int, page: Page) -> list[int]:
        """Status ids of the owner's home feed merged with the owner's own tweets (shown at
        once, before any fan-out), newest first. The tweets of followed accounts too big to
        fan out are merged in by `feeds.read_home`."""
        ...

    async def accounts_timeline(
        self, account_ids: Iterable[int], page: Page, *, visibilities: Sequence[str]
    ) -> list[int]:
        """Status ids of the tweets of `account_ids` with one of `visibilities`, newest first."""
        ...

    async def account_timeline(
        self, account_id: int, page: Page, options: AccountFilter
    ) -> list[int]: ...

    async def public_timeline(self, page: Page, *, only_media: bool = False) -> list[int]:
        """Original public posts (no retweets; replies only within a self-thread)."""
        ...

    async def tag_timeline(
        self, tag_names: Iterable[str], page: Page, *, only_media: bool = False
    ) -> list[int]:
        """Public posts carrying any of the tags."""
        ...
