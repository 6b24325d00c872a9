"""The embeddable player of a public live stream, `GET /live/<stream id>/embed`: the video
alone (title, state and a link to the watch page over it), for other sites' iframes.

Only public streams: anything else (followers-only, unknown) is the same 404 page, which no
site may frame. Which sites may frame the player is `CHIRP_LIVE_EMBED_ANCESTORS` (the CSP
`frame-ancestors` sources; `*` by default, as video sites allow). `embed.js` plays the
stream's low-latency URL with hls.js (the regular one natively, or without hls.js), sends the
player heartbeats viewer counts come from, and checks the stream's state now and then; no
token, no chat, no websocket.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from chirp.core import live
from chirp.core.errors import NotFound
from chirp.handlers.common import ctx, parse_id
from chirp.handlers.pages import error_page
from chirp.handlers.watch import NO_SNIFF, asset_url
from chirp.server.keys import SETTINGS
from chirp.video.playback import playback_origins

routes = web.RouteTableDef()

_NOT_FOUND_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def embed_policy(media_origins: list[str], ancestors: str) -> str:
    media = " ".join(media_origins)
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' https: data:",
            f"media-src 'self' blob: {media}",
            f"connect-src 'self' {media}",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        )
    )


def render_embed(stream_id: int, title: str, watch_url: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        '<meta name=referrer content="no-referrer"><link rel=icon href="data:,">'
        f"<title>{escape(title)} · live on Chirp</title>"
        f'<link rel=stylesheet href="{asset_url("embed.css")}">'
        f'<script defer src="{asset_url("hls.min.js")}"></script>'
        f'<script defer src="{asset_url("live-edge.js")}"></script>'
        f'<script defer src="{asset_url("embed.js")}"></script>'
        "</head><body>"
        f'<main id=embed data-stream-id="{stream_id}">'
        "<video id=video muted autoplay playsinline controls></video>"
        "<header class=bar>"
        f'<a id=title href="{escape(watch_url)}" target=_blank rel=noopener>{escape(title)}</a>'
        "<span id=state class=state>…</span>"
        "<span id=viewers class=viewers hidden></span>"
        "</header>"
        "<p id=status class=status role=status hidden></p>"
        "</main></body></html>"
    )


@routes.get(r"/live/{stream_id}/embed")
async def embed_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    context = ctx(request)
    common = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", **NO_SNIFF}
    try:
        stream_id = parse_id(request.match_info["stream_id"])
        stream = await live.get_stream(context, None, stream_id)  # as an anonymous viewer
        if stream.visibility != "public":
            raise NotFound("not a public stream")
    except NotFound:
        return web.Response(
            text=error_page("Not found", "There is no such public live stream."),
            status=404,
            content_type="text/html",
            headers={**common, "Content-Security-Policy": _NOT_FOUND_POLICY},
        )
    origins = playback_origins(context.blobs, settings) if context.blobs else []
    policy = embed_policy(origins, settings.live_embed_ancestors)
    return web.Response(
        text=render_embed(stream.id, stream.title, f"{settings.base_url}/live/{stream.id}"),
        content_type="text/html",
        headers={**common, "Content-Security-Policy": policy},
    )
