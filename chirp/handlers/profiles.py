"""`/api/v1/profile/avatar|header` (back to the default picture) and `/api/v1/preferences`."""

from __future__ import annotations

from aiohttp import web

from chirp.core import profiles
from chirp.handlers.accounts import credential_account_response
from chirp.handlers.common import authenticate_user, ctx, json_response
from chirp.serializers.accounts import preferences_json

routes = web.RouteTableDef()


@routes.delete(r"/api/v1/profile/{kind:avatar|header}")
async def remove_picture(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:accounts")
    kind = request.match_info["kind"]
    updated = await profiles.remove_profile_image(ctx(request), account, kind)
    return await credential_account_response(request, updated)


@routes.get("/api/v1/preferences")
async def preferences(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:accounts")
    return json_response(preferences_json(account))
