"""`/api/v1/scheduled_statuses`: one's tweets waiting for their `scheduled_at` (made by
`POST /api/v1/statuses` with `scheduled_at`): list, show, move, cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import scheduled_statuses
from chirp.core.errors import InvalidInput
from chirp.core.media import media_urls
from chirp.core.models import ScheduledStatus
from chirp.handlers.common import authenticate_user, ctx, json_response, params, parse_id, validate
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.serializers.scheduled_statuses import scheduled_status_json

routes = web.RouteTableDef()


def parse_time(raw: str) -> datetime:
    """ISO 8601, as clients send `scheduled_at`; without a zone, UTC."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("Validation failed: scheduled_at is not an ISO 8601 time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def _render_many(request: web.Request, found: list[ScheduledStatus]) -> list[dict[str, Any]]:
    context = ctx(request)
    media = await context.store.get_media_batch(m for s in found for m in s.media_ids)
    urls = await media_urls(context, media.values())
    return [scheduled_status_json(s, media, urls) for s in found]


async def render_scheduled(request: web.Request, scheduled: ScheduledStatus) -> dict[str, Any]:
    return (await _render_many(request, [scheduled]))[0]


class RescheduleForm(BaseModel):
    scheduled_at: str = Field(max_length=64)


@routes.get("/api/v1/scheduled_statuses")
@documented(query=PageQuery)
async def list_scheduled(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:statuses")
    found = await scheduled_statuses.list_scheduled_tweets(
        ctx(request), account, parse_page(request)
    )
    return json_response(
        await _render_many(request, found), headers=link_header(request, [s.id for s in found])
    )


@routes.get(r"/api/v1/scheduled_statuses/{id}")
async def show_scheduled(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:statuses")
    found = await scheduled_statuses.get_scheduled_tweet(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    return json_response(await render_scheduled(request, found))


@routes.put(r"/api/v1/scheduled_statuses/{id}")
@documented(body=RescheduleForm)
async def reschedule(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    form = validate(RescheduleForm, await params(request))
    moved = await scheduled_statuses.reschedule_tweet(
        ctx(request), account, parse_id(request.match_info["id"]), parse_time(form.scheduled_at)
    )
    return json_response(await render_scheduled(request, moved))


@routes.delete(r"/api/v1/scheduled_statuses/{id}")
async def cancel(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    await scheduled_statuses.cancel_scheduled_tweet(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    return json_response({})
