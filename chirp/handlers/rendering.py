"""Turning domain results into response bodies: batch-load once, then serialize."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from chirp.core.models import Notification, Status
from chirp.core.views import Loaded, load_bundle, load_notification_bundle
from chirp.handlers.common import ctx
from chirp.serializers.notifications import notification_json
from chirp.serializers.statuses import StatusSerializer
from chirp.server.keys import RENDER_CACHE


async def serializer_for(
    request: web.Request,
    statuses: list[Status],
    viewer_id: int | None,
    *,
    account_ids: list[int] | None = None,
    loaded: Loaded | None = None,
    filter_context: str | None = None,
) -> StatusSerializer:
    context = ctx(request)
    bundle = await load_bundle(
        context,
        statuses,
        viewer_id,
        extra_account_ids=account_ids or (),
        loaded=loaded,
        filter_context=filter_context,
    )
    return StatusSerializer(bundle, context.settings, request.app[RENDER_CACHE])


async def render_statuses(
    request: web.Request,
    statuses: list[Status],
    viewer_id: int | None,
    *,
    loaded: Loaded | None = None,
    filter_context: str | None = None,
) -> orjson.Fragment:
    """A JSON array, to embed in a response body as it is. `filter_context`: where the
    statuses are shown, for the viewer's `filtered` results."""
    serializer = await serializer_for(
        request, statuses, viewer_id, loaded=loaded, filter_context=filter_context
    )
    return serializer.many(statuses)


async def render_status(
    request: web.Request,
    status: Status,
    viewer_id: int | None,
    *,
    filter_context: str | None = None,
) -> dict[str, Any]:
    serializer = await serializer_for(request, [status], viewer_id, filter_context=filter_context)
    return serializer.status(status)


async def render_notifications(
    request: web.Request, rows: list[Notification], viewer_id: int
) -> list[dict[str, Any]]:
    context = ctx(request)
    serializer = StatusSerializer(
        await load_notification_bundle(context, rows, viewer_id),
        context.settings,
        request.app[RENDER_CACHE],
    )
    rendered = (notification_json(n, serializer) for n in rows)
    return [body for body in rendered if body is not None]
