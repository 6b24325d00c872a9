"""`/api/v1/markers`: read and save where the user stopped reading home and notifications."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import markers
from chirp.core.errors import InvalidInput
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    params,
    query_params,
    validate,
)
from chirp.handlers.forms import StrList
from chirp.handlers.openapi import documented
from chirp.serializers.markers import markers_json

routes = web.RouteTableDef()

MAX_ID = 2**63 - 1


class MarkersQuery(BaseModel):
    timeline: StrList = Field(default_factory=list, max_length=10)


def _last_read_id(timeline: str, value: Any) -> int:
    """A status or notification id: digits (or a JSON integer) within 64 bits."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInput(f"Validation failed: {timeline}[last_read_id] must be an id")
    text = str(value).strip()
    if not text.isdigit() or len(text) > 19 or int(text) > MAX_ID:
        raise InvalidInput(f"Validation failed: {timeline}[last_read_id] must be an id")
    return int(text)


def _positions(body: dict[str, Any]) -> dict[str, int]:
    """`home[last_read_id]=…` (form) or `{"home": {"last_read_id": …}}` (JSON)."""
    positions = {}
    for timeline in markers.TIMELINES:
        nested = body.get(timeline)
        if isinstance(nested, dict):
            value = nested.get("last_read_id")
        elif nested is not None:
            raise InvalidInput(f"Validation failed: {timeline} must hold last_read_id")
        else:
            value = body.get(f"{timeline}[last_read_id]")
        if value is not None:
            positions[timeline] = _last_read_id(timeline, value)
    return positions


@routes.get("/api/v1/markers")
@documented(query=MarkersQuery)
async def get_markers(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:statuses")
    query = validate(MarkersQuery, {"timeline": query_params(request).get("timeline")})
    found = await markers.get_markers(ctx(request), account, query.timeline)
    return json_response(markers_json(found))


@routes.post("/api/v1/markers")
async def save_markers(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    positions = _positions(await params(request))
    saved = await markers.save_markers(ctx(request), account, positions)
    return json_response(markers_json(saved))
