"""Storage port conformance: Web Push subscriptions (one per token, live with their token),
standalone outbox events, and the instance's kept secrets."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from chirp.core.models import PushSubscription
from chirp.storage import Store
from tests.storage.factories import event, ids, make_account, make_app, make_token, now


def _subscription(token_id: int, account_id: int, **changes: object) -> PushSubscription:
    made = PushSubscription(
        id=ids.next_id(),
        token_id=token_id,
        account_id=account_id,
        endpoint=f"https://push.example/{ids.next_id()}",
        p256dh="BPublicKey",
        auth="secret",
        alerts=frozenset({"mention", "admin.sign_up"}),
        policy="all",
        standard=True,
        created_at=now().replace(microsecond=123456),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


async def test_one_subscription_per_token_saved_changed_and_removed(store: Store) -> None:
    app = await make_app(store)
    alice = await make_account(store)
    token = make_token(app, alice)
    await store.create_token(token)
    assert await store.get_push_subscription(token.id) is None
    first = _subscription(token.id, alice.id)
    await store.save_push_subscription(first)
    assert await store.get_push_subscription(token.id) == first
    # A new subscription of the same token replaces the old one.
    second = _subscription(token.id, alice.id, standard=False, policy="followed")
    await store.save_push_subscription(second)
    assert await store.get_push_subscription(token.id) == second
    assert await store.get_push_subscriptions([first.id, second.id]) == {second.id: second}
    changed = await store.update_push_subscription(token.id, frozenset({"follow"}), "none")
    assert changed == replace(second, alerts=frozenset({"follow"}), policy="none")
    assert await store.update_push_subscription(12345, frozenset(), "all") is None
    assert await store.remove_push_subscription(second.id)
    assert not await store.remove_push_subscription(second.id)
    assert await store.get_push_subscription(token.id) is None


async def test_live_subscriptions_are_those_of_live_tokens(store: Store) -> None:
    app = await make_app(store)
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    tokens = [make_token(app, alice), make_token(app, alice), make_token(app, bob, ttl=60)]
    tokens.append(make_token(app, carol))
    for token in tokens:
        await store.create_token(token)
    subs = [_subscription(t.id, t.account_id or 0) for t in tokens]
    for sub in subs:
        await store.save_push_subscription(sub)
    live = await store.live_push_subscriptions([alice.id, bob.id], now())
    assert [s.id for s in live] == [subs[0].id, subs[1].id, subs[2].id]
    await store.revoke_token(tokens[1].id, now())
    later = now() + timedelta(seconds=120)  # bob's token expired by then
    assert [s.id for s in await store.live_push_subscriptions([alice.id, bob.id], later)] == [
        subs[0].id
    ]
    assert await store.live_push_subscriptions([], now()) == []


async def test_recorded_events_are_due_when_said(store: Store) -> None:
    soon, later = event("web_push.due", attempt=0), event("web_push.due", attempt=1)
    await store.record_events([soon], now())
    await store.record_events([later], now() + timedelta(hours=1))
    await store.record_events([], now())
    claimed = await store.claim_events(limit=10, now=now(), lease_seconds=30)
    assert [e.id for e in claimed] == [soon.id]
    assert claimed[0].payload == soon.payload
    await store.complete_events([soon.id])
    later_claim = await store.claim_events(
        limit=10, now=now() + timedelta(hours=2), lease_seconds=30
    )
    assert [e.id for e in later_claim] == [later.id]


async def test_the_first_kept_secret_wins(store: Store) -> None:
    assert await store.claim_instance_secret("vapid_private_key", "first") == "first"
    assert await store.claim_instance_secret("vapid_private_key", "second") == "first"
    assert await store.claim_instance_secret("other", "x") == "x"
