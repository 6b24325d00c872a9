"""Chat moderators and viewer count history (Chirp extensions, docs/live-video.md):

GET    /api/v1/chirp/moderators                        the streamer's moderators (Accounts)
POST   /api/v1/chirp/moderators                        appoint one (`account_id`)
DELETE /api/v1/chirp/moderators/:account_id            dismiss one
GET    /api/v1/chirp/streams/:id/moderators            who moderates a stream's chat
GET    /api/v1/chirp/streams/:id/viewers/history       viewers per minute, oldest first
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from chirp.core import live_moderators
from chirp.core.emojis import current_emojis
from chirp.core.models import Account
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    params,
    parse_id,
    validate,
)
from chirp.handlers.forms import Id
from chirp.handlers.live_streams import viewer_id
from chirp.handlers.openapi import documented
from chirp.serializers.accounts import account_json
from chirp.serializers.common import iso

routes = web.RouteTableDef()

MODERATORS = "/api/v1/chirp/moderators"
STREAM = r"/api/v1/chirp/streams/{id:\d+}"


class ModeratorForm(BaseModel):
    account_id: Id


async def _accounts(request: web.Request, accounts: list[Account]) -> web.Response:
    context = ctx(request)
    emojis = await current_emojis(context)
    return json_response([account_json(a, context.settings, emojis) for a in accounts])


@routes.get(MODERATORS)
async def own_moderators(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:accounts")
    return await _accounts(request, await live_moderators.list_moderators(ctx(request), account.id))


@routes.post(MODERATORS)
@documented(body=ModeratorForm)
async def appoint(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:accounts")
    form = validate(ModeratorForm, await params(request))
    await live_moderators.appoint_moderator(ctx(request), account, form.account_id)
    return json_response({"account_id": str(form.account_id), "moderator": True})


@routes.delete(MODERATORS + r"/{account_id:\d+}")
async def dismiss(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:accounts")
    target = parse_id(request.match_info["account_id"])
    await live_moderators.dismiss_moderator(ctx(request), account, target)
    return json_response({"account_id": str(target), "moderator": False})


@routes.get(STREAM + "/moderators")
async def stream_moderators(request: web.Request) -> web.Response:
    _, accounts = await live_moderators.stream_moderators(
        ctx(request), await viewer_id(request), parse_id(request.match_info["id"])
    )
    return await _accounts(request, accounts)


@routes.get(STREAM + "/viewers/history")
async def viewers_history(request: web.Request) -> web.Response:
    samples = await live_moderators.viewer_history(
        ctx(request), await viewer_id(request), parse_id(request.match_info["id"])
    )
    return json_response([{"at": iso(at), "viewers_count": n} for at, n in samples])
