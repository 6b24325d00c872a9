"""`POST /api/v1/statuses/:id/mute` and `/unmute`: no notifications from that thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from chirp.core import conversations
from chirp.core.context import Context
from chirp.core.models import Account, Status
from chirp.handlers.common import authenticate_user, ctx, json_response, parse_id
from chirp.handlers.rendering import render_status

routes = web.RouteTableDef()

ThreadAction = Callable[[Context, Account, int], Awaitable[Status]]


def _action(use_case: ThreadAction) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        _, account = await authenticate_user(request, "write:mutes")
        status = await use_case(ctx(request), account, parse_id(request.match_info["id"]))
        return json_response(await render_status(request, status, account.id))

    return handler


for name, use_case in (
    ("mute", conversations.mute_conversation),
    ("unmute", conversations.unmute_conversation),
):
    routes.post(rf"/api/v1/statuses/{{id}}/{name}")(_action(use_case))
