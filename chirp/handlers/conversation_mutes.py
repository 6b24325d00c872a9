"""`POST /api/v1/statuses/:id/mute` and `/unmute`: no notifications from that thread."""

from __future__ import annotations

from aiohttp import web

from chirp.core import conversations
from chirp.handlers.common import authenticate_user, ctx, json_response, parse_id
from chirp.handlers.rendering import render_status

routes = web.RouteTableDef()


@routes.post(r"/api/v1/statuses/{id}/mute")
async def mute(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:mutes")
    status = await conversations.mute_conversation(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    return json_response(await render_status(request, status, account.id))


@routes.post(r"/api/v1/statuses/{id}/unmute")
async def unmute(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:mutes")
    status = await conversations.unmute_conversation(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    return json_response(await render_status(request, status, account.id))
