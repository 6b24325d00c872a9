"""Going live from the browser: a websocket that takes MediaRecorder WebM chunks.

`GET /api/v1/chirp/streams/ingest?stream_key=…` (or `access_token=…` / a Bearer header with
`write` scope), optional `width`/`height` of the camera track so the ladder is capped at the
source. Refused with a JSON error before the upgrade when the key or token is wrong; once open,
the server sends `{"event": "ready", "stream_id": "…"}` (a text frame) and then reads binary
messages.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import orjson
from aiohttp import WSMsgType, web
from pydantic import BaseModel, Field

from chirp.core.errors import ChirpError, Forbidden, InvalidInput
from chirp.core.oauth import authenticate_bearer, require_scope
from chirp.handlers.common import bearer_token, ctx, query_params, validate
from chirp.handlers.openapi import WEBSOCKET, documented
from chirp.server.keys import RELAY
from chirp.video.browser import MAX_CHUNK_BYTES, feed_browser_session

routes = web.RouteTableDef()


class Unavailable(ChirpError):
    status = 503


class IngestParams(BaseModel):
    stream_key: str | None = Field(None, max_length=200)
    access_token: str | None = Field(None, max_length=200)
    width: int | None = Field(None, ge=16, le=7680)
    height: int | None = Field(None, ge=16, le=4320)


@routes.get("/api/v1/chirp/streams/ingest")
@documented(query=IngestParams, produces=WEBSOCKET)
async def ingest(request: web.Request) -> web.StreamResponse:
    relay = request.app.get(RELAY)
    if relay is None:
        raise Unavailable("live video is not enabled on this server")
    query = validate(IngestParams, query_params(request))
    token = bearer_token(request) or query.access_token
    if query.stream_key:
        session, reason = await relay.open_session(query.stream_key)
    elif token:
        principal = await authenticate_bearer(ctx(request), token)
        require_scope(principal, "write")
        if principal.account is None:
            raise InvalidInput("This method requires an authenticated user")
        session, reason = await relay.open_account_session(principal.account.id)
    else:
        raise InvalidInput("stream_key or an access token is required")
    if session is None:
        raise Forbidden(reason)
    ws = web.WebSocketResponse(max_msg_size=MAX_CHUNK_BYTES, heartbeat=15, compress=False)
    try:
        await ws.prepare(request)
    except BaseException:
        await session.close()
        raise
    session.kick = lambda: request.transport.close() if request.transport else None
    ready = {"event": "ready", "stream_id": str(session.stream.id)}
    await ws.send_frame(orjson.dumps(ready), WSMsgType.TEXT)

    async def chunks() -> AsyncIterator[bytes]:
        async for message in ws:
            if message.type == WSMsgType.BINARY:
                yield message.data
            elif message.type == WSMsgType.ERROR:
                return

    await feed_browser_session(session, chunks(), width=query.width, height=query.height)
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.close()
    return ws
