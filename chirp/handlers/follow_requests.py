"""`/api/v1/follow_requests`: a locked account's pending requests, authorized or rejected."""

from __future__ import annotations

from aiohttp import web

from chirp.core import follow_requests
from chirp.core.emojis import current_emojis
from chirp.handlers.common import authenticate_user, ctx, json_response, parse_id
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.serializers.accounts import account_json
from chirp.serializers.relationships import relationship_json

routes = web.RouteTableDef()


@routes.get("/api/v1/follow_requests")
@documented(query=PageQuery)
async def index(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:follows")
    page = parse_page(request, default=40, maximum=80)
    context = ctx(request)
    found, cursors = await follow_requests.list_follow_requests(context, account, page)
    emojis = await current_emojis(context)
    return json_response(
        [account_json(a, context.settings, emojis) for a in found],
        headers=link_header(request, cursors),
    )


@routes.post(r"/api/v1/follow_requests/{id}/authorize")
async def authorize(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:follows")
    requester = parse_id(request.match_info["id"])
    relation = await follow_requests.authorize_follow_request(ctx(request), account, requester)
    return json_response(relationship_json(requester, relation))


@routes.post(r"/api/v1/follow_requests/{id}/reject")
async def reject(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:follows")
    requester = parse_id(request.match_info["id"])
    relation = await follow_requests.reject_follow_request(ctx(request), account, requester)
    return json_response(relationship_json(requester, relation))
