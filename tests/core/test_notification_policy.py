"""Grouping keys and policy screening on a real in-memory store; only the clock is moved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from chirp.core import notifications
from chirp.core.models import Notification, NotificationPolicy, Page
from chirp.core.notification_policy import screen
from chirp.storage import Store, open_store
from tests.core.test_dispatch import ClockedContext, context
from tests.storage.factories import make_account, post


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    store = await open_store("sqlite://:memory:")
    yield store
    await store.close()


@pytest.fixture
def ctx(store: Store) -> ClockedContext:
    return context(store)


async def keys(store: Store, account_id: int) -> list[str | None]:
    rows = await store.list_notifications(account_id, Page(limit=40), include_filtered=True)
    return [n.group_key for n in reversed(rows)]


async def test_groups_span_up_to_twelve_hours(ctx: ClockedContext, store: Store) -> None:
    alice = await make_account(store)
    fans = [await make_account(store) for _ in range(4)]
    tweet, other = await post(store, alice), await post(store, alice)
    hour = int(ctx.now().timestamp()) // 3600
    await notifications.notify(ctx, alice.id, "favourite", fans[0].id, tweet.id)
    ctx.advance(hours=3)
    await notifications.notify(ctx, alice.id, "favourite", fans[1].id, tweet.id)
    await notifications.notify(ctx, alice.id, "favourite", fans[1].id, other.id)
    await notifications.notify(ctx, alice.id, "follow", fans[1].id)
    ctx.advance(hours=10)  # 13 hours after the group's first hour: a new group
    await notifications.notify(ctx, alice.id, "favourite", fans[2].id, tweet.id)
    await notifications.notify(ctx, alice.id, "mention", fans[3].id, tweet.id)
    assert await keys(store, alice.id) == [
        f"favourite-{tweet.id}-{hour}",
        f"favourite-{tweet.id}-{hour}",
        f"favourite-{other.id}-{hour + 3}",
        f"follow-{hour + 3}",
        f"favourite-{tweet.id}-{hour + 13}",
        None,  # mentions are never grouped
    ]


async def test_screen_keeps_policies_apart_per_recipient(ctx: ClockedContext, store: Store) -> None:
    alice, bob, stranger = [await make_account(store) for _ in range(3)]
    await store.save_notification_policy(NotificationPolicy(alice.id, for_not_following="filter"))
    await store.save_notification_policy(NotificationPolicy(bob.id, for_not_following="drop"))
    tweet = await post(store, stranger)
    base = Notification(0, alice.id, "mention", stranger.id, ctx.now(), tweet.id)
    pending = [
        replace(base, id=ctx.new_id()),
        replace(base, id=ctx.new_id(), account_id=bob.id),
        replace(base, id=ctx.new_id(), type="update"),  # never filtered
    ]
    kept = await screen(ctx, pending)
    assert [(n.account_id, n.type, n.filtered) for n in kept] == [
        (alice.id, "mention", True),
        (alice.id, "update", False),
    ]
    assert all(n.group_key is None for n in kept)
    assert await screen(ctx, []) == []
