"""`/api/v1/custom_emojis`: the emojis clients offer in their pickers (public, no token)."""

from __future__ import annotations

from aiohttp import web

from chirp.core.emojis import current_emojis
from chirp.handlers.common import ctx, json_response
from chirp.serializers.emojis import custom_emoji_json

routes = web.RouteTableDef()


@routes.get("/api/v1/custom_emojis")
async def list_custom_emojis(request: web.Request) -> web.Response:
    emojis = await current_emojis(ctx(request))
    return json_response([custom_emoji_json(emoji, emojis) for emoji in emojis.listed])
