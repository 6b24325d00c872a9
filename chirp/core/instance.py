"""Instance-wide facts: statistics and health."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chirp.core.context import Context

log = logging.getLogger(__name__)


@dataclass(slots=True)
class InstanceStats:
    users: int
    statuses: int


async def instance_stats(ctx: Context) -> InstanceStats:
    users, statuses = await ctx.store.count_accounts()
    return InstanceStats(users=users, statuses=statuses)


async def probe_health(ctx: Context) -> list[str]:
    """What is unhealthy right now; empty when all is well."""
    problems = []
    try:
        await ctx.store.ping()
    except Exception as error:
        log.warning("health check: store unreachable", extra={"error": repr(error)})
        problems.append("store unreachable")
    return problems
