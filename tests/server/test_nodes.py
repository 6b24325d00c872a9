"""Node heartbeats (`chirp.server.nodes`) on a running app's store."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient

from chirp.config import ConfigError
from chirp.core.models import RunningNode
from chirp.server.keys import CONTEXT, SETTINGS
from chirp.server.nodes import NODE_KEY, NodeRegistry
from tests.helpers import User, post


def _other(now: datetime, *, shared_bus: bool = True, ago: float = 0.0) -> RunningNode:
    """A node on another host, last seen `ago` seconds before `now`."""
    return RunningNode(
        key="elsewhere/1/x",
        host="elsewhere",
        pid=1,
        shared_bus=shared_bus,
        seen_at=now - timedelta(seconds=ago),
    )


async def test_a_running_node_is_recorded_with_its_bus(client: TestClient) -> None:
    ctx, registry = client.app[CONTEXT], client.app[NODE_KEY]
    (me,) = await ctx.store.list_nodes()
    assert me.key == registry.me.key and me.shared_bus is False  # the in-process bus


async def test_a_node_with_the_in_process_bus_refuses_to_join_live_nodes(
    client: TestClient,
) -> None:
    ctx = client.app[CONTEXT]
    await ctx.store.beat_node(_other(ctx.now()))
    newcomer = NodeRegistry(ctx, client.app[SETTINGS], lambda: None)
    with pytest.raises(ConfigError, match="CHIRP_BUS=redis://"):
        await newcomer.join()
    assert newcomer.me.key not in {n.key for n in await ctx.store.list_nodes()}


async def test_a_node_long_silent_does_not_stop_another_from_joining(client: TestClient) -> None:
    ctx = client.app[CONTEXT]
    await ctx.store.beat_node(_other(ctx.now(), ago=60))
    await NodeRegistry(ctx, client.app[SETTINGS], lambda: None).join()


async def test_a_dead_node_is_removed_and_its_leases_released(
    client: TestClient, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, registry = client.app[CONTEXT], client.app[NODE_KEY]

    async def elsewhere() -> bool:
        return False  # the events are the dead node's to handle, not this app's dispatcher's

    monkeypatch.setattr(ctx.store, "lead_dispatch", elsewhere)
    await post(client, alice, "held by a node that died")
    dead = _other(ctx.now(), ago=60)
    await ctx.store.beat_node(dead)
    claimed = await ctx.store.claim_events(
        limit=100, now=ctx.now() + timedelta(seconds=1), lease_seconds=600, owner=dead.key
    )
    woken: list[bool] = []
    registry.wake = lambda: woken.append(True)
    assert await registry.reap() == len(claimed) > 0
    assert woken == [True]
    assert [n.key for n in await ctx.store.list_nodes()] == [registry.me.key]
