"""Blocks and mutes: `/api/v1/accounts/:id/block|unblock|mute|unmute`, `GET /api/v1/blocks`
and `GET /api/v1/mutes` (Mastodon's)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import blocks
from chirp.core.emojis import current_emojis
from chirp.handlers.common import authenticate_user, ctx, json_response, params, parse_id, validate
from chirp.handlers.forms import FormBool
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.serializers.accounts import account_json
from chirp.serializers.common import iso
from chirp.serializers.relationships import relationship_json

routes = web.RouteTableDef()


class MuteForm(BaseModel):
    notifications: FormBool = True
    duration: int = Field(0, ge=0, le=blocks.MAX_MUTE_SECONDS)  # seconds; 0: for good


@routes.post(r"/api/v1/accounts/{id:\d+}/block")
async def block(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:blocks")
    target = parse_id(request.match_info["id"])
    relation = await blocks.block_account(ctx(request), account, target)
    return json_response(relationship_json(target, relation))


@routes.post(r"/api/v1/accounts/{id:\d+}/unblock")
async def unblock(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:blocks")
    target = parse_id(request.match_info["id"])
    relation = await blocks.unblock_account(ctx(request), account, target)
    return json_response(relationship_json(target, relation))


@routes.post(r"/api/v1/accounts/{id:\d+}/mute")
@documented(body=MuteForm)
async def mute(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:mutes")
    target = parse_id(request.match_info["id"])
    form = validate(
        MuteForm, {k: v for k, v in (await params(request)).items() if k in MuteForm.model_fields}
    )
    relation = await blocks.mute_account(
        ctx(request), account, target, notifications=form.notifications, duration=form.duration
    )
    return json_response(relationship_json(target, relation))


@routes.post(r"/api/v1/accounts/{id:\d+}/unmute")
async def unmute(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:mutes")
    target = parse_id(request.match_info["id"])
    relation = await blocks.unmute_account(ctx(request), account, target)
    return json_response(relationship_json(target, relation))


@routes.get("/api/v1/blocks")
@documented(query=PageQuery)
async def blocked(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:blocks")
    page = parse_page(request, default=40, maximum=80)
    context = ctx(request)
    found, cursors = await blocks.list_blocks(context, account, page)
    emojis = await current_emojis(context)
    return json_response(
        [account_json(a, context.settings, emojis) for a in found],
        headers=link_header(request, cursors),
    )


@routes.get("/api/v1/mutes")
@documented(query=PageQuery)
async def muted(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:mutes")
    page = parse_page(request, default=40, maximum=80)
    context = ctx(request)
    found, cursors = await blocks.list_mutes(context, account, page)
    emojis = await current_emojis(context)
    return json_response(
        [
            {**account_json(a, context.settings, emojis), "mute_expires_at": iso(m.expires_at)}
            for a, m in found
        ],
        headers=link_header(request, cursors),
    )
