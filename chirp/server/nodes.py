"""This node among the others sharing its store: heartbeats, and what they are for.

- A node that stops beating (killed, frozen, cut off) is found dead within
  `CHIRP_NODE_DEAD_AFTER_SECONDS` by any live node, which releases the outbox leases it held:
  its tweets' fan-out and pushes resume within seconds, not when a long lease runs out.
- A node refuses to start beside live nodes when one of them (itself or another) has the
  in-process bus: each would keep its realtime events to itself, and sockets on the others
  would silently miss them.

A node judges others dead only after its own heartbeats have been written for that long (after
a store outage every heartbeat is old, the judge's too). A record of this host whose process is
gone (a restart after a crash) is dead at once, so a lone node restarts without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta

from aiohttp import web

from chirp.config import ConfigError, Settings
from chirp.core.context import Context
from chirp.core.models import RunningNode

log = logging.getLogger(__name__)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class NodeRegistry:
    def __init__(self, ctx: Context, settings: Settings, wake: Callable[[], None]) -> None:
        self.ctx = ctx
        self.interval = settings.node_heartbeat_seconds
        self.dead_after = timedelta(seconds=settings.node_dead_after_seconds)
        self.wake = wake
        host, pid = socket.gethostname(), os.getpid()
        self.me = RunningNode(
            key=f"{host}/{pid}/{secrets.token_hex(4)}",
            host=host,
            pid=pid,
            shared_bus=not settings.bus.startswith("memory:"),
            seen_at=ctx.now(),
        )
        self._beating_since = ctx.now()

    def _gone(self, node: RunningNode) -> bool:
        """Dead for sure: this host's record of a process that is no more (or of this pid)."""
        return node.host == self.me.host and (
            node.pid == self.me.pid or not _process_alive(node.pid)
        )

    def others_alive(self, nodes: list[RunningNode]) -> list[RunningNode]:
        since = self.ctx.now() - self.dead_after
        return [
            n for n in nodes if n.key != self.me.key and n.seen_at >= since and not self._gone(n)
        ]

    async def join(self) -> None:
        """First heartbeat; refuses (`ConfigError`) to run a lone bus beside other live nodes."""
        await self.beat()
        others = self.others_alive(await self.ctx.store.list_nodes())
        lone = [n for n in [self.me, *others] if not n.shared_bus]
        if others and lone:
            await self.ctx.store.remove_node(self.me.key)
            names = ", ".join(f"{n.host} pid {n.pid}" for n in others)
            which = "this node has" if not self.me.shared_bus else "another node has"
            raise ConfigError(
                f"{len(others)} other node(s) share this store ({names}) and {which} the"
                " in-process event bus (CHIRP_BUS=memory://), which would keep each node's"
                " realtime events to itself: set CHIRP_BUS=redis://host:port/db on every node,"
                " or give this node its own store"
            )

    async def beat(self) -> None:
        self.me = replace(self.me, seen_at=self.ctx.now())
        await self.ctx.store.beat_node(self.me)

    async def reap(self) -> int:
        """Remove the nodes found dead and release their leases; how many leases."""
        since = self.ctx.now() - self.dead_after
        released = 0
        for node in await self.ctx.store.list_nodes():
            if node.key != self.me.key and (node.seen_at < since or self._gone(node)):
                held = await self.ctx.store.remove_node(node.key)
                released += held
                log.warning(
                    "node stopped beating; its outbox leases are released",
                    extra={"node": node.key, "leases": held},
                )
        if released:
            self.wake()
        return released

    async def run(self) -> None:
        last_beat = self.ctx.now()
        pause = self.interval
        while True:
            await asyncio.sleep(pause)
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The store is away: try less often (each try may wait on it, ahead of requests).
                pause = min(pause * 2, self.dead_after.total_seconds())
                log.warning("node heartbeat failed", extra={"error": str(error)})
                continue
            pause = self.interval
            now = self.ctx.now()
            # A gap in this node's own beats (the store was away, or slow): the others could
            # not beat either, so judge nobody until this node has beaten steadily again.
            if now - last_beat > timedelta(seconds=2 * self.interval + 1):
                self._beating_since = now
            last_beat = now
            if now - self._beating_since >= self.dead_after:
                try:
                    await self.reap()
                except Exception as error:
                    log.warning("finding dead nodes failed", extra={"error": str(error)})

    async def leave(self) -> None:
        """A clean stop: the others need not wait to find this node dead."""
        with contextlib.suppress(Exception):
            await self.ctx.store.remove_node(self.me.key)


NODE_KEY = web.AppKey("node_registry", NodeRegistry)


async def node_registry(app: web.Application) -> AsyncIterator[None]:
    """Joins (or refuses to start), beats until the app stops, then leaves."""
    from chirp.server.keys import CONTEXT, SETTINGS

    context = app[CONTEXT]
    registry = NodeRegistry(context, app[SETTINGS], lambda: context.wake_dispatcher())
    await registry.join()
    app[NODE_KEY] = registry
    task = asyncio.create_task(registry.run(), name="chirp-node-heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await registry.leave()
