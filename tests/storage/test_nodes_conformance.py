"""Node heartbeats and the outbox leases they keep (`chirp.server.nodes`), on every backend."""

from __future__ import annotations

from datetime import timedelta

from chirp.core.models import RunningNode
from chirp.storage import Store
from tests.storage.factories import make_account, now, post


def node(key: str, *, shared_bus: bool = True, ago: float = 0.0) -> RunningNode:
    return RunningNode(
        key=key,
        host="host-a",
        pid=100,
        shared_bus=shared_bus,
        seen_at=now() - timedelta(seconds=ago),
    )


async def test_heartbeats_insert_then_replace_a_node(store: Store) -> None:
    await store.beat_node(node("a", ago=10))
    await store.beat_node(node("b", shared_bus=False))
    first = node("a")
    await store.beat_node(first)
    nodes = sorted(await store.list_nodes(), key=lambda n: n.key)
    assert [n.key for n in nodes] == ["a", "b"]
    assert nodes[0] == first  # every field round-trips, the latest beat kept
    assert nodes[1].shared_bus is False


async def test_removing_a_node_releases_exactly_its_outbox_leases(store: Store) -> None:
    alice = await make_account(store)
    for n in range(4):
        await post(store, alice, f"t{n}")
    await store.beat_node(node("dead"))
    await store.beat_node(node("alive"))
    theirs = await store.claim_events(limit=2, now=now(), lease_seconds=60, owner="dead")
    ours = await store.claim_events(limit=2, now=now(), lease_seconds=60, owner="alive")
    assert await store.claim_events(limit=10, now=now(), lease_seconds=60, owner="x") == []
    assert await store.remove_node("dead") == 2
    assert [n.key for n in await store.list_nodes()] == ["alive"]
    # Due at once, long before the lease would have run out; the live node's stay leased.
    again = await store.claim_events(limit=10, now=now(), lease_seconds=60, owner="alive")
    assert [e.id for e in again] == [e.id for e in theirs]
    assert {e.id for e in ours}.isdisjoint(e.id for e in again)
    assert await store.remove_node("dead") == 0  # idempotent


async def test_a_retried_event_is_no_longer_held_by_its_node(store: Store) -> None:
    alice = await make_account(store)
    await post(store, alice, "t")
    (claimed,) = await store.claim_events(limit=1, now=now(), lease_seconds=60, owner="n")
    await store.retry_event(claimed.id, available_at=now() + timedelta(hours=1))
    assert await store.remove_node("n") == 0
