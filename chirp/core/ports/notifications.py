"""Notifications, their groups, and the filters and requests of the notification policy."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from chirp.core.models import (
    Notification,
    NotificationGroupStats,
    NotificationPolicy,
    NotificationRequest,
    Page,
)


class NotificationStore(Protocol):
    async def add_notifications(self, notifications: list[Notification]) -> list[Notification]:
        """Insert; duplicates (same recipient, type, sender, status) are skipped. Returns new ones."""
        ...

    async def remove_notifications(
        self, type: str, from_account_id: int, status_id: int | None, account_id: int | None = None
    ) -> int: ...

    async def list_notifications(
        self,
        account_id: int,
        page: Page,
        *,
        types: Iterable[str] | None = None,
        exclude_types: Iterable[str] = (),
        from_account_id: int | None = None,
        include_filtered: bool = False,
    ) -> list[Notification]:
        """Newest first. Filtered notifications only with `include_filtered` or when asking
        for one sender's (`from_account_id`), as Mastodon does."""
        ...

    async def get_notification(
        self, account_id: int, notification_id: int
    ) -> Notification | None: ...

    async def dismiss_notification(self, account_id: int, notification_id: int) -> bool: ...

    async def clear_notifications(self, account_id: int) -> int: ...


class NotificationGroupStore(Protocol):
    """Grouped notifications (`/api/v2/notifications`): groups are notifications of one
    recipient sharing a `group_key`."""

    async def latest_group_key(self, account_id: int, prefix: str) -> str | None:
        """The group key of the account's newest notification whose key is `prefix-...`."""
        ...

    async def notification_group_stats(
        self,
        account_id: int,
        group_keys: Iterable[str],
        *,
        max_id: int | None = None,
        min_id: int | None = None,
        samples: int = 8,
    ) -> dict[str, NotificationGroupStats]:
        """Per group key: its notifications with id <= `max_id` (all if None) counted, the
        newest of them and their newest `samples` senders; with `min_id`, also the oldest id
        >= `min_id` (`page_min_id`). Keys without notifications are absent."""
        ...

    async def find_notification_group(self, account_id: int, group_key: str) -> Notification | None:
        """The newest notification of the account's group."""
        ...

    async def list_group_notifications(
        self, account_id: int, group_key: str, page: Page
    ) -> list[Notification]:
        """The group's notifications, newest first."""
        ...

    async def dismiss_notification_group(self, account_id: int, group_key: str) -> int:
        """Delete every notification of the account's group; returns how many."""
        ...


class NotificationFilterStore(Protocol):
    """Notification policies, the requests holding what they filtered, and the senders a
    recipient accepted (whose notifications are never filtered again)."""

    async def get_notification_policy(self, account_id: int) -> NotificationPolicy | None:
        """None until the account saves one (the defaults then apply)."""
        ...

    async def save_notification_policy(self, policy: NotificationPolicy) -> None:
        """Create or replace the account's policy."""
        ...

    async def has_notification_permission(self, account_id: int, from_account_id: int) -> bool:
        """Whether the account accepted notifications from this sender (a request accepted)."""
        ...

    async def save_notification_request(self, request: NotificationRequest) -> NotificationRequest:
        """Create the request of (account, sender), or move the existing one's `last_status_id`
        and `updated_at` (its id and `created_at` stay). Returns the stored request."""
        ...

    async def get_notification_request(
        self, account_id: int, request_id: int
    ) -> NotificationRequest | None:
        """The account's request with its current count; None if missing, another
        account's, or holding no filtered mention any more."""
        ...

    async def list_notification_requests(
        self, account_id: int, page: Page
    ) -> list[NotificationRequest]:
        """Requests that still hold filtered mentions, paged by id, newest first."""
        ...

    async def accept_notification_requests(
        self, account_id: int, request_ids: Iterable[int], at: datetime
    ) -> int:
        """For each of the account's requests among `request_ids`: accept the sender for good,
        move their filtered notifications into the main list and delete the request.
        Returns how many requests were accepted."""
        ...

    async def dismiss_notification_requests(
        self, account_id: int, request_ids: Iterable[int]
    ) -> int:
        """Delete these requests of the account with the sender's filtered notifications."""
        ...

    async def summarize_notification_requests(self, account_id: int, cap: int) -> tuple[int, int]:
        """(pending requests, filtered mentions in them), over at most `cap` requests."""
        ...
