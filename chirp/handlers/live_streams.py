"""The streams API (a Chirp extension, documented in docs/live-video.md):

POST   /api/v1/chirp/streams                         create (title, visibility)
GET    /api/v1/chirp/streams?scope=global|following  live now, newest first, Link paging
GET    /api/v1/chirp/streams/:id                     show (404 unless the viewer may watch)
POST   /api/v1/chirp/streams/:id/end                 the streamer ends it
POST   /api/v1/chirp/streams/:id/heartbeat           a player is watching -> viewers_count
GET    /api/v1/chirp/streams/:id/chat                recent chat, newest first
POST   /api/v1/chirp/streams/:id/chat                send
DELETE /api/v1/chirp/streams/:id/chat/:message_id    streamer, moderator or author
POST   /api/v1/chirp/streams/:id/bans                streamer or moderator bans from chat
DELETE /api/v1/chirp/streams/:id/bans/:account_id    and lifts it
(moderators and viewer count history: chirp/handlers/live_moderators.py)
POST   /api/v1/chirp/stream_key                      create or rotate (the key shown once)
GET    /api/v1/chirp/stream_key                      whether there is one, and where to publish
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import live
from chirp.core.errors import NotAuthenticated
from chirp.core.models import ChatMessage, LiveStream
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    optional_principal,
    params,
    parse_id,
    query_params,
    validate,
)
from chirp.handlers.forms import Id
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.serializers.live import LiveSerializer, stream_key_json

routes = web.RouteTableDef()

STREAM = r"/api/v1/chirp/streams/{id:\d+}"


class CreateStreamForm(BaseModel):
    title: str = Field(min_length=1, max_length=1000)
    visibility: Literal["public", "private"] = "public"


class ListQuery(BaseModel):
    scope: Literal["global", "following"] = "global"


class HeartbeatForm(BaseModel):
    viewer: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class ChatForm(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class BanForm(BaseModel):
    account_id: Id


async def _serializer(
    request: web.Request, streams: list[LiveStream], messages: list[ChatMessage] | None = None
) -> LiveSerializer:
    context = ctx(request)
    view = await live.load_view(context, streams, messages or [])
    return LiveSerializer(view, context.settings)


async def _render(request: web.Request, stream: LiveStream) -> web.Response:
    return json_response((await _serializer(request, [stream])).streams([stream])[0])


async def viewer_id(request: web.Request) -> int | None:
    principal = await optional_principal(request)
    return principal.account.id if principal and principal.account else None


@routes.post("/api/v1/chirp/streams")
@documented(body=CreateStreamForm)
async def create_stream(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    form = validate(CreateStreamForm, await params(request))
    stream = await live.create_stream(ctx(request), account, form.title, form.visibility)
    return await _render(request, stream)


@routes.get("/api/v1/chirp/streams")
@documented(query=(ListQuery, PageQuery))
async def list_streams(request: web.Request) -> web.Response:
    query = validate(ListQuery, {k: v for k, v in query_params(request).items() if k == "scope"})
    viewer = await viewer_id(request)
    if query.scope == "following" and viewer is None:
        raise NotAuthenticated("The access token is invalid")
    page = parse_page(request, maximum=40)
    streams, cursors = await live.list_live_streams(
        ctx(request), viewer, page, following=query.scope == "following"
    )
    body = (await _serializer(request, streams)).streams(streams)
    return json_response(body, headers=link_header(request, cursors))


@routes.get(STREAM)
async def show_stream(request: web.Request) -> web.Response:
    viewer = await viewer_id(request)
    stream = await live.get_stream(ctx(request), viewer, parse_id(request.match_info["id"]))
    return await _render(request, stream)


@routes.post(STREAM + "/end")
async def end_stream(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    stream = await live.end_stream(ctx(request), account, parse_id(request.match_info["id"]))
    return await _render(request, stream)


@routes.post(STREAM + "/heartbeat")
@documented(body=HeartbeatForm)
async def heartbeat(request: web.Request) -> web.Response:
    viewer = await viewer_id(request)
    form = validate(HeartbeatForm, await params(request))
    count = await live.heartbeat(
        ctx(request), viewer, parse_id(request.match_info["id"]), form.viewer
    )
    return json_response({"viewers_count": count})


@routes.get(STREAM + "/chat")
@documented(query=PageQuery)
async def list_chat(request: web.Request) -> web.Response:
    viewer = await viewer_id(request)
    page = parse_page(request, default=40, maximum=100)
    messages, _ = await live.list_chat(
        ctx(request), viewer, parse_id(request.match_info["id"]), page
    )
    body = (await _serializer(request, [], messages)).chats(messages)
    return json_response(body, headers=link_header(request, [m.id for m in messages]))


@routes.post(STREAM + "/chat")
@documented(body=ChatForm)
async def send_chat(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    form = validate(ChatForm, await params(request))
    message = await live.send_chat(
        ctx(request), account, parse_id(request.match_info["id"]), form.text
    )
    return json_response((await _serializer(request, [], [message])).chats([message])[0])


@routes.delete(STREAM + r"/chat/{message_id:\d+}")
async def delete_chat(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    await live.delete_chat(
        ctx(request),
        account,
        parse_id(request.match_info["id"]),
        parse_id(request.match_info["message_id"]),
    )
    return json_response({})


@routes.post(STREAM + "/bans")
@documented(body=BanForm)
async def ban(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    form = validate(BanForm, await params(request))
    target = form.account_id
    await live.ban_from_chat(ctx(request), account, parse_id(request.match_info["id"]), target)
    return json_response({"account_id": str(target), "banned": True})


@routes.delete(STREAM + r"/bans/{account_id:\d+}")
async def unban(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    target = parse_id(request.match_info["account_id"])
    await live.unban_from_chat(ctx(request), account, parse_id(request.match_info["id"]), target)
    return json_response({"account_id": str(target), "banned": False})


@routes.post("/api/v1/chirp/stream_key")
async def rotate_stream_key(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    context = ctx(request)
    secret, key = await live.rotate_stream_key(context, account)
    body = stream_key_json(key, live.rtmp_url(context), secret)
    return json_response(body, headers={"Cache-Control": "no-store"})


@routes.get("/api/v1/chirp/stream_key")
async def show_stream_key(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:statuses")
    context = ctx(request)
    key = await live.get_stream_key(context, account)
    return json_response(stream_key_json(key, live.rtmp_url(context)))
