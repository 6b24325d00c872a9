"""Web Push subscriptions (one per token), events no other write carries, and the instance's
long-lived secrets (the VAPID key pair)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from chirp.core.models import Event, PushSubscription


class PushSubscriptionStore(Protocol):
    async def save_push_subscription(self, subscription: PushSubscription) -> None:
        """Store it in place of the token's subscription, if it had one."""
        ...

    async def get_push_subscription(self, token_id: int) -> PushSubscription | None: ...

    async def update_push_subscription(
        self, token_id: int, alerts: frozenset[str], policy: str
    ) -> PushSubscription | None:
        """Change its alerts and policy; None if the token has no subscription."""
        ...

    async def remove_push_subscription(self, subscription_id: int) -> bool:
        """Delete it (unsubscribed, or its endpoint is gone); False if it was gone."""
        ...

    async def live_push_subscriptions(
        self, account_ids: Iterable[int], now: datetime
    ) -> list[PushSubscription]:
        """The subscriptions of these accounts whose token is still live at `now`."""
        ...

    async def get_push_subscriptions(
        self, subscription_ids: Iterable[int]
    ) -> dict[int, PushSubscription]: ...

    async def record_events(self, events: Sequence[Event], available_at: datetime) -> None:
        """Record events due at `available_at` that no other write carries (the pushes a
        batch of notifications asks for, and their retries), in one transaction."""
        ...

    async def claim_instance_secret(self, name: str, value: str) -> str:
        """Keep `value` under `name` unless a value is kept already; the kept one (the first
        node to start wins, and every node then uses the same)."""
        ...
