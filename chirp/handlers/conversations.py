"""`/api/v1/conversations`: the reader's direct conversations (list, mark read, remove), as
Mastodon serves them, paged by their last status; and the direct timeline."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from chirp.core import direct_conversations
from chirp.core.models import Account, Conversation
from chirp.core.views import Loaded, load_visible
from chirp.handlers.common import authenticate_user, ctx, json_response, parse_id
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.handlers.rendering import render_statuses, serializer_for
from chirp.serializers.conversations import conversation_json

routes = web.RouteTableDef()


async def render_conversations(
    request: web.Request, viewer: Account, found: list[Conversation]
) -> list[dict[str, Any]]:
    """Each with its last status as the reader may see it (participants only: the rows are
    the reader's own, and the status goes through the visibility rule all the same)."""
    loaded = Loaded(viewer.id)
    shown = await load_visible(
        ctx(request), [c.last_status_id for c in found], viewer.id, loaded=loaded
    )
    statuses = {s.id: s for s in shown}
    serializer = await serializer_for(
        request,
        shown,
        viewer.id,
        account_ids=[a for c in found for a in direct_conversations.participants_shown(c)],
        loaded=loaded,
    )
    return [conversation_json(c, serializer, statuses.get(c.last_status_id)) for c in found]


@routes.get("/api/v1/conversations")
@documented(query=PageQuery)
async def index(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:statuses")
    found = await direct_conversations.list_conversations(
        ctx(request), account, parse_page(request, maximum=40)
    )
    return json_response(
        await render_conversations(request, account, found),
        headers=link_header(request, [c.last_status_id for c in found]),
    )


@routes.get("/api/v1/timelines/direct")
@documented(query=PageQuery)
async def direct_timeline(request: web.Request) -> web.Response:
    """Removed from Mastodon in 3.0 (the conversations replace it); clients built on older
    libraries (masto.js still has it) read direct tweets here."""
    _, account = await authenticate_user(request, "read:statuses")
    loaded = Loaded(account.id)
    found, cursors = await direct_conversations.direct_timeline(
        ctx(request), account, parse_page(request), loaded=loaded
    )
    return json_response(
        await render_statuses(request, found, account.id, loaded=loaded),
        headers=link_header(request, cursors),
    )


@routes.post(r"/api/v1/conversations/{id}/read")
async def read(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:conversations")
    found = await direct_conversations.read_conversation(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    return json_response((await render_conversations(request, account, [found]))[0])


@routes.delete(r"/api/v1/conversations/{id}")
async def remove(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:conversations")
    await direct_conversations.remove_conversation(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    return json_response({})
