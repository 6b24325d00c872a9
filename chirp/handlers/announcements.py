"""`/api/v1/announcements`: list (with `read` per user), dismiss, and emoji reactions."""

from __future__ import annotations

from aiohttp import web

from chirp.core import announcements
from chirp.handlers.common import authenticate_user, ctx, json_response, parse_id
from chirp.serializers.announcements import announcement_json

routes = web.RouteTableDef()


@routes.get("/api/v1/announcements")
async def list_announcements(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request)
    context = ctx(request)
    found = await announcements.view_announcements(context, account)
    return json_response(
        [announcement_json(view, found.emoji_set, context.settings) for view in found.views]
    )


@routes.post(r"/api/v1/announcements/{id}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:accounts")
    await announcements.dismiss_announcement(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    return json_response({})


@routes.put(r"/api/v1/announcements/{id}/reactions/{name}")
async def add_reaction(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:favourites")
    await announcements.add_reaction(
        ctx(request), account, parse_id(request.match_info["id"]), request.match_info["name"]
    )
    return json_response({})


@routes.delete(r"/api/v1/announcements/{id}/reactions/{name}")
async def remove_reaction(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:favourites")
    await announcements.remove_reaction(
        ctx(request), account, parse_id(request.match_info["id"]), request.match_info["name"]
    )
    return json_response({})
