"""The Mastodon streaming API: one multiplexed websocket and the per-stream SSE endpoints.

    GET /api/v1/streaming               websocket; `{"type": "subscribe", "stream": ..., "tag": ...}`
    GET /api/v1/streaming/<stream>      SSE: user, user/notification, public, public/local, ...
    GET /api/v1/streaming/health        "OK"

Chirp extensions (documented in docs/streaming.md): every frame carries an `id` (its position);
reconnect with `last_event_id` (query, subscribe message) or SSE `Last-Event-ID` to replay what
was missed, or get a `chirp.reset` event when the history no longer reaches back; the `status`
stream (`"id": <status id>`) delivers coalesced `status.counts` for a tweet on screen; the
`chirp:live` stream (`"id": <live stream id>`) a live stream's chat, viewer count and end, and
`{"type": "chat", "id": ..., "text": ...}` sends to its chat (docs/live-video.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from chirp.core import blocks, lists, live, statuses, topics
from chirp.core.errors import ChirpError, InvalidInput, NotAuthenticated, NotFound, RateLimited
from chirp.core.filtering import account_filters
from chirp.core.models import Principal
from chirp.core.oauth import authenticate_bearer, require_scope
from chirp.core.secrets import digest
from chirp.handlers.common import bearer_token, ctx, parse_id
from chirp.handlers.openapi import WEBSOCKET, documented
from chirp.realtime.hub import Hub, Viewer
from chirp.realtime.publish import dumps
from chirp.realtime.subscriptions import StreamRequest, companions, resolve_stream
from chirp.realtime.wire import SocketOutlet, write_sse, write_ws
from chirp.server.client_ip import client_ip, parse_networks
from chirp.server.keys import FLUSHER, HUB, SETTINGS, STREAM_SLOTS

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

SSE_STREAMS = {
    "user": "user",
    "user/notification": "user:notification",
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "public/media": "public:media",
    "public/local/media": "public:local:media",
    "public/remote/media": "public:remote:media",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
    "direct": "direct",
    "list": "list",
    "status": "status",
}


async def _principal(request: web.Request, token: str | None) -> Principal | None:
    if token is None:
        return None
    return await authenticate_bearer(ctx(request), token)


async def _shunning(request: web.Request, principal: Principal | None) -> Viewer:
    """The signed-in account, whose tweets its streams drop (blocks both ways, mutes), and its
    content filters."""
    account_id = _viewer(principal)
    if account_id is None:
        return Viewer()
    context = ctx(request)
    return Viewer(
        account_id,
        await blocks.hidden_accounts(context, account_id),
        await account_filters(context, account_id),
    )


def _close_at_expiry(
    principal: Principal | None, outlet: SocketOutlet
) -> asyncio.TimerHandle | None:
    """Tokens with a lifetime end their streams when they expire."""
    expires = principal.token.expires_at if principal else None
    if expires is None:
        return None
    delay = max(0.0, (expires - datetime.now(UTC)).total_seconds())
    return asyncio.get_running_loop().call_later(delay, outlet.close, 1008, "access token expired")


def _record_id(params: dict[str, Any]) -> int:
    return parse_id(str(params.get("id") or ""))


def _viewer(principal: Principal | None) -> int | None:
    return principal.account.id if principal and principal.account else None


async def _stream_request(
    request: web.Request, name: str, principal: Principal | None, params: dict[str, Any]
) -> StreamRequest:
    tag = params.get("tag")
    status_id = stream_id = list_id = None
    if name == "list" and params.get("list") and principal and principal.account:
        list_id = parse_id(str(params["list"]))
        await lists.get_list(ctx(request), principal.account, list_id)  # 404 unless its owner
    elif name == "status":
        status_id = _record_id(params)
        await statuses.get_tweet(ctx(request), _viewer(principal), status_id)  # 404 unless visible
    elif name == "chirp:live":
        stream_id = _record_id(params)
        await live.get_stream(ctx(request), _viewer(principal), stream_id)  # 404 unless watchable
    elif name == "chirp:live:health":
        stream_id = _record_id(params)
        watched = await live.get_stream(ctx(request), _viewer(principal), stream_id)
        if watched.account_id != _viewer(principal):
            raise NotFound("Record not found")  # only the streamer hears their stream's health
    return resolve_stream(
        name,
        principal,
        tag=str(tag) if tag else None,
        status_id=status_id,
        stream_id=stream_id,
        list_id=list_id,
    )


# -- websocket -------------------------------------------------------------------------------


def _origin_allowed(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: nothing to protect against cross-site use
    settings = request.app[SETTINGS]
    allowed = {
        o.strip().rstrip("/") for o in settings.stream_allowed_origins.split(",") if o.strip()
    }
    return "*" in allowed or origin.rstrip("/") in allowed | {settings.base_url}


def _ws_token(request: web.Request) -> tuple[str | None, tuple[str, ...]]:
    """Token from the query, the Authorization header, or (browsers) Sec-WebSocket-Protocol."""
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    if token := request.query.get("access_token"):
        return token, ()
    if token := bearer_token(request):
        return token, ()
    protocols = tuple(p.strip() for p in offered.split(",") if p.strip())
    return (protocols[0] if protocols else None), protocols[:1]


def _stream_slot(request: web.Request, token: str | None) -> AbstractContextManager[None]:
    """This stream's slot among its token's and its address's (429 past either cap)."""
    trusted = parse_networks(request.app[SETTINGS].trusted_proxies)
    return request.app[STREAM_SLOTS].hold(
        digest(token) if token else None, client_ip(request, trusted)
    )


@routes.get("/api/v1/streaming")
@documented(produces=WEBSOCKET)
async def websocket(request: web.Request) -> web.StreamResponse:
    with _stream_slot(request, _ws_token(request)[0]):
        return await _websocket(request)


async def _websocket(request: web.Request) -> web.StreamResponse:
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise web.HTTPBadRequest(
            text="Use a websocket, or an SSE endpoint under /api/v1/streaming/"
        )
    if not _origin_allowed(request):
        raise web.HTTPForbidden(text="Origin not allowed")
    settings = request.app[SETTINGS]
    token, protocols = _ws_token(request)
    principal = await _principal(request, token)
    ws = web.WebSocketResponse(
        heartbeat=settings.stream_heartbeat_seconds,
        max_msg_size=settings.stream_max_message_bytes,
        protocols=protocols,
        compress=False,
    )
    await ws.prepare(request)
    hub = request.app[HUB]
    outlet = SocketOutlet(
        "ws", settings.stream_queue_frames, request.app[FLUSHER], ws, request.transport
    )
    control = topics.token(principal.token.id) if principal else None
    await hub.connect(outlet, control, await _shunning(request, principal))
    expiry = _close_at_expiry(principal, outlet)
    writer = asyncio.create_task(write_ws(ws, outlet))
    try:
        if "stream" in request.query:
            await _handle_command(
                request, ws, hub, outlet, principal, {"type": "subscribe", **request.query}
            )
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                try:
                    command = orjson.loads(message.data)
                except orjson.JSONDecodeError:
                    await _ws_error(ws, "Invalid JSON", 400)
                    continue
                if isinstance(command, dict):
                    await _handle_command(request, ws, hub, outlet, principal, command)
                else:
                    await _ws_error(ws, "Invalid message", 400)
            elif message.type == WSMsgType.ERROR:
                break
    finally:
        if expiry is not None:
            expiry.cancel()
        await hub.disconnect(outlet)
        outlet.close(1000, "")
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await writer
    return ws


async def _ws_error(ws: web.WebSocketResponse, error: str, status: int) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_frame(orjson.dumps({"error": error, "status": status}), WSMsgType.TEXT)


async def _handle_command(
    request: web.Request,
    ws: web.WebSocketResponse,
    hub: Hub,
    outlet: SocketOutlet,
    principal: Principal | None,
    command: dict[str, Any],
) -> None:
    kind = command.get("type")
    name = command.get("stream")
    if kind == "chat":
        await _send_chat(request, ws, principal, command)
        return
    if kind not in ("subscribe", "unsubscribe") or not isinstance(name, str):
        await _ws_error(ws, "Unknown message type" if kind else "Missing type", 400)
        return
    try:
        stream = await _stream_request(request, name, principal, command)
    except ChirpError as error:
        await _ws_error(ws, error.message, error.status)
        return
    if kind == "unsubscribe":
        for each in (stream, *companions(stream)):
            await hub.unsubscribe(outlet, each)
        return
    since = command.get("last_event_id")
    await hub.subscribe(outlet, stream, str(since) if since else None)
    for companion in companions(stream):
        await hub.subscribe(outlet, companion)


async def _send_chat(
    request: web.Request,
    ws: web.WebSocketResponse,
    principal: Principal | None,
    command: dict[str, Any],
) -> None:
    """`{"type": "chat", "id": <stream id>, "text": ...}`: the message reaches every watcher
    (this socket too, if it watches); a refusal comes back as an `error` event on the stream."""
    raw_id = str(command.get("id") or "")
    text = command.get("text")
    try:
        if principal is None or principal.account is None:
            raise NotAuthenticated("Chat requires an authenticated user")
        require_scope(principal, "write:statuses")
        if not isinstance(text, str):
            raise InvalidInput("Validation failed: text must be a string")
        await live.send_chat(ctx(request), principal.account, _record_id(command), text)
    except ChirpError as error:
        body: dict[str, Any] = {"error": error.message, "status": error.status}
        if isinstance(error, RateLimited):
            body["retry_after"] = error.retry_after
        frame = {"stream": ["chirp:live", raw_id], "event": "error", "payload": dumps(body)}
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_frame(orjson.dumps(frame), WSMsgType.TEXT)


# -- server-sent events ----------------------------------------------------------------------


@routes.get("/api/v1/streaming/health")
async def health(request: web.Request) -> web.Response:
    return web.Response(text="OK", content_type="text/plain")


@routes.get(r"/api/v1/streaming/{stream:(?:user|public|hashtag|direct|list|status)(?:/[a-z/]+)?}")
@documented(produces="text/event-stream")
async def sse(request: web.Request) -> web.StreamResponse:
    with _stream_slot(request, request.query.get("access_token") or bearer_token(request)):
        return await _sse(request)


async def _sse(request: web.Request) -> web.StreamResponse:
    name = SSE_STREAMS.get(request.match_info["stream"])
    if name is None:
        raise NotFound("Unknown stream type")
    settings = request.app[SETTINGS]
    token = request.query.get("access_token") or bearer_token(request)
    principal = await _principal(request, token)
    stream = await _stream_request(request, name, principal, dict(request.query))
    since = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # proxies must not buffer the stream
        }
    )
    await response.prepare(request)
    hub = request.app[HUB]
    outlet = SocketOutlet("sse", settings.stream_queue_frames, request.app[FLUSHER])
    control = topics.token(principal.token.id) if principal else None
    await hub.connect(outlet, control, await _shunning(request, principal))
    expiry = _close_at_expiry(principal, outlet)
    try:
        await response.write(b":)\n")
        await hub.subscribe(outlet, stream, since)
        for companion in companions(stream):
            await hub.subscribe(outlet, companion)
        await write_sse(response, outlet, settings.stream_heartbeat_seconds)
    finally:
        if expiry is not None:
            expiry.cancel()
        await hub.disconnect(outlet)
    return response
