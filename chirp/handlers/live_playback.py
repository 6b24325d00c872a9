"""Playlists of followers-only live streams, behind the signed playback URL the domain hands to
viewers it let in (see `chirp.video.playback`)."""

from __future__ import annotations

from aiohttp import web

from chirp.core.errors import NotFound
from chirp.handlers.common import ctx
from chirp.server.keys import SETTINGS
from chirp.video import playback

routes = web.RouteTableDef()


@routes.get(r"/api/v1/chirp/streams/{stream_id:[0-9]{1,20}}/hls/{path:.+}")
async def playlist(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    blobs = ctx(request).blobs
    stream_id = int(request.match_info["stream_id"])
    expires = request.query.get("expires", "")
    signature = request.query.get("signature", "")
    if blobs is None or not playback.verify_playback(blobs, stream_id, expires, signature):
        raise NotFound("no such playlist, or its link expired")
    try:
        text = await playback.private_playlist(
            blobs, settings, stream_id, request.match_info["path"], expires, signature
        )
    except playback.PlaylistNotFound:
        raise NotFound("no such playlist") from None
    return web.Response(
        text=text,
        content_type="application/vnd.apple.mpegurl",
        headers={"Cache-Control": "private, max-age=1", "Access-Control-Allow-Origin": "*"},
    )
