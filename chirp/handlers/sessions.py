"""`/api/v1/chirp/sessions`: the signed-in account's sessions (OAuth tokens), and signing one
out. A Chirp extension: Mastodon's API has no session list (docs/api.md)."""

from __future__ import annotations

from aiohttp import web

from chirp.core import sessions
from chirp.handlers.common import authenticate_user, ctx, json_response
from chirp.serializers.sessions import session_json

routes = web.RouteTableDef()


@routes.get("/api/v1/chirp/sessions")
async def list_sessions(request: web.Request) -> web.Response:
    principal, _ = await authenticate_user(request, "read:accounts")
    found = await sessions.list_sessions(ctx(request), principal)
    return json_response([session_json(session) for session in found])


@routes.delete(r"/api/v1/chirp/sessions/{id:[0-9a-f]{32}}")
async def revoke_session(request: web.Request) -> web.Response:
    principal, _ = await authenticate_user(request, "write:accounts")
    await sessions.revoke_session(ctx(request), principal, request.match_info["id"])
    return json_response({})
