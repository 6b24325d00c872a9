"""Follows, follow requests and relationships."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chirp.core.models import Event, Follow, FollowRequest, Page


@dataclass(slots=True)
class Relationship:
    following: Follow | None = None
    followed_by: bool = False
    requested: bool = False  # a follow request of the viewer's is pending
    request: FollowRequest | None = None  # that request (its options show until it is a follow)
    requested_by: bool = False  # the other account asked to follow the viewer
    note: str = ""  # the viewer's private note on the account
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False


class FollowStore(Protocol):
    async def add_follow(self, follow: Follow, *, event: Event) -> bool:
        """Follow, with its options; True if new (both accounts' counters updated, event
        recorded). False, and no write, if the account follows already."""
        ...

    async def set_follow_options(self, follow: Follow) -> bool:
        """Store `follow`'s options (`show_reblogs`, `notify`, `languages`) on the account's
        follow of the target; False if it does not follow."""
        ...

    async def remove_follow(self, account_id: int, target_account_id: int, *, event: Event) -> bool:
        """Unfollow, and take the target's entries out of the follower's home feed."""
        ...

    async def get_relationships(
        self, account_id: int, target_ids: Iterable[int]
    ) -> dict[int, Relationship]: ...

    async def list_followers(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        """(follow id, follower account id), newest first."""
        ...

    async def list_following(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        """(follow id, followed account id), newest first."""
        ...

    async def follower_ids(self, account_id: int) -> list[int]:
        """Every follower's id (the audience of a realtime event), in no particular order."""
        ...

    async def list_popular_followees(self, account_id: int, min_followers: int) -> list[int]:
        """Accounts `account_id` follows that have at least `min_followers` followers."""
        ...

    async def following_among(self, target_account_id: int, account_ids: Iterable[int]) -> set[int]:
        """Which of `account_ids` follow the target (the audience of a reply, `core.audience`)."""
        ...

    async def followers_with_options(self, account_id: int) -> list[Follow]:
        """The account's followers' follows whose options are not the defaults (retweets off,
        notifications on, or languages chosen): few, by an index of their own."""
        ...


class FollowRequestStore(Protocol):
    """Requests to follow locked accounts, private notes on accounts, and graph questions about
    several accounts at once."""

    async def add_follow_request(self, request: FollowRequest, *, event: Event) -> bool:
        """Ask to follow, with the follow's options; True if new (event recorded). False, and no
        write, if the request is pending already or the account follows already.
        `MissingRecord` if either is gone."""
        ...

    async def get_follow_request(
        self, account_id: int, target_account_id: int
    ) -> FollowRequest | None:
        """The account's pending request to follow the target, if any."""
        ...

    async def set_follow_request_options(self, request: FollowRequest) -> bool:
        """Store `request`'s options on the account's pending request to the target; False if
        none is pending."""
        ...

    async def remove_follow_request(
        self, account_id: int, target_account_id: int, *, event: Event
    ) -> bool:
        """Withdraw or reject a pending request; True (event recorded) if there was one."""
        ...

    async def authorize_follow_request(
        self, account_id: int, target_account_id: int, follow: Follow, *, event: Event
    ) -> bool:
        """Turn a pending request into `follow`, with the request's options (counters as
        `add_follow`) in one transaction, recording `event`; False, and no write, if no request
        is pending. An account that follows already keeps its follow (the request just goes)."""
        ...

    async def list_follow_requests(
        self, target_account_id: int, page: Page
    ) -> list[tuple[int, int]]:
        """(request id, requesting account id) of requests pending for the account, newest first."""
        ...

    async def count_follow_requests(self, target_account_id: int) -> int: ...

    async def get_follow_request_state(
        self, account_id: int, target_ids: Iterable[int]
    ) -> tuple[dict[int, FollowRequest], set[int]]:
        """(the account's pending requests, by target; targets that asked to follow the
        account)."""
        ...

    async def familiar_followers(
        self, account_id: int, target_ids: Iterable[int]
    ) -> dict[int, list[int]]:
        """Per target: the accounts `account_id` follows that follow it (in no set order)."""
        ...

    async def set_account_note(
        self, account_id: int, target_account_id: int, comment: str, updated_at: datetime
    ) -> None:
        """Write the account's note on the target; an empty comment removes it."""
        ...

    async def get_account_notes(self, account_id: int, target_ids: Iterable[int]) -> dict[int, str]:
        """The account's notes on these targets (targets without one are absent)."""
        ...
