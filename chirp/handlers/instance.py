"""Instance metadata (`/api/v1/instance`, `/api/v2/instance`) and health checks."""

from __future__ import annotations

from aiohttp import web

from chirp.core.instance import instance_stats, probe_health
from chirp.handlers.common import ctx, json_response
from chirp.serializers.instance import instance_v1_json, instance_v2_json

routes = web.RouteTableDef()


@routes.get("/api/v1/instance")
@routes.get("/api/v1/instance/")
async def instance_v1(request: web.Request) -> web.Response:
    context = ctx(request)
    stats = await instance_stats(context)
    return json_response(
        instance_v1_json(context.settings, user_count=stats.users, status_count=stats.statuses)
    )


@routes.get("/api/v2/instance")
@routes.get("/api/v2/instance/")
async def instance_v2(request: web.Request) -> web.Response:
    context = ctx(request)
    stats = await instance_stats(context)
    return json_response(instance_v2_json(context.settings, active_month=stats.users))


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Liveness and readiness: 200 when the store answers, 503 otherwise (load balancers drain)."""
    problems = await probe_health(ctx(request))
    if problems:
        return json_response({"status": "unavailable", "error": "; ".join(problems)}, status=503)
    return json_response({"status": "ok"})
