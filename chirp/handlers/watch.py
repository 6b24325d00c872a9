"""The watch page of a live stream, `GET /live/<stream id>`, and the files it loads.

The page is a shell: `watch.js` asks the streams API for the stream (so followers-only streams
work with the viewer's token, which never reaches this handler: it travels in the URL fragment),
plays it with the vendored hls.js (native HLS on Safari/iOS), and joins the stream's chat and
viewer count on the streaming websocket. Public streams get their title and streamer rendered
here too, for link previews. A strict Content-Security-Policy allows scripts and styles from
this origin only, and media from the playback origins alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from aiohttp import web

from chirp.core import live
from chirp.core.errors import NotFound
from chirp.core.models import LiveStream
from chirp.handlers.common import ctx, parse_id
from chirp.handlers.pages import error_page
from chirp.server.keys import SETTINGS
from chirp.video.playback import playback_origins

routes = web.RouteTableDef()

STATIC = Path(__file__).parent / "static"
HLS_JS_VERSION = "1.7.4"
HLS_JS_SHA256 = "cfc70cc9e9fc63d071919e087670abc760c8fd1bc889b88588026e4d22193bbe"
_TYPES = {
    "hls.min.js": "text/javascript",
    "watch.js": "text/javascript",
    "live-edge.js": "text/javascript",  # low-latency players' catch-up (watch and embed pages)
    "watch.css": "text/css",
    "session.js": "text/javascript",
    "studio.js": "text/javascript",
    "studio.css": "text/css",
    "hls.js.LICENSE": "text/plain",
    "public.css": "text/css",  # the public pages' (chirp.handlers.public_pages)
    "embed.js": "text/javascript",  # the embeddable player's (chirp.handlers.embed)
    "embed.css": "text/css",
}
NO_SNIFF = {"X-Content-Type-Options": "nosniff"}
_ERROR_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    version: str  # a digest of the content: URLs carry it, so the file can be cached for a year


@cache
def asset(name: str) -> Asset:
    body = (STATIC / name).read_bytes()
    return Asset(body, _TYPES[name], hashlib.sha256(body).hexdigest()[:16])


def asset_url(name: str) -> str:
    return f"/static/live/{name}?v={asset(name).version}"


@routes.get(r"/static/live/{name}")
async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _TYPES:
        raise web.HTTPNotFound()
    found = asset(name)
    current = request.query.get("v") == found.version
    cache_control = "public, max-age=31536000, immutable" if current else "public, max-age=300"
    return web.Response(
        body=found.body,
        content_type=found.content_type,
        charset="utf-8",
        headers={"Cache-Control": cache_control, "ETag": f'"{found.version}"', **NO_SNIFF},
    )


def content_security_policy(media_origins: list[str], streaming_origin: str) -> str:
    media = " ".join(media_origins)
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' https: data:",  # avatars, from this node or remote ones
            f"media-src 'self' blob: {media}",  # MSE buffers are blob: URLs; native HLS: the CDN
            f"connect-src 'self' {streaming_origin} {media}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def render_page(
    stream_id: int, streaming_url: str, stream: LiveStream | None, poster: str | None = None
) -> str:
    """The page; `stream` only when anyone may see it (then its title shows before the script
    runs, and link previews get its `poster`). Every value is escaped."""
    title = f"{stream.title} · live on Chirp" if stream else "Live on Chirp"
    heading = escape(stream.title) if stream else "Live stream"
    preview = ""
    if stream is not None:
        preview = (
            f'<meta property="og:title" content="{escape(stream.title)}">'
            '<meta property="og:type" content="video.other">'
        )
        if poster:
            preview += (
                f'<meta property="og:image" content="{escape(poster)}">'
                '<meta property="og:image:type" content="image/jpeg">'
                '<meta name="twitter:card" content="summary_large_image">'
            )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        '<meta name=referrer content="no-referrer"><link rel=icon href="data:,">'
        f"<title>{escape(title)}</title>{preview}"
        f'<link rel=stylesheet href="{asset_url("watch.css")}">'
        f'<script defer src="{asset_url("hls.min.js")}"></script>'
        f'<script defer src="{asset_url("session.js")}"></script>'
        f'<script defer src="{asset_url("live-edge.js")}"></script>'
        f'<script defer src="{asset_url("watch.js")}"></script>'
        "</head><body>"
        f'<main id=watch data-stream-id="{stream_id}" data-streaming="{escape(streaming_url)}">'
        '<section class=stage aria-label="Video">'
        "<header class=info>"
        "<img id=avatar class=avatar alt='' hidden>"
        "<div class=who>"
        f"<h1 id=title>{heading}</h1>"
        "<p><span id=streamer></span> <span id=acct class=acct></span></p>"
        "</div>"
        "<div class=badges>"
        "<span id=state class=state>…</span>"
        "<span id=viewers class=viewers hidden></span>"
        "</div></header>"
        "<div class=player>"
        "<video id=video muted autoplay playsinline controls></video>"
        "<p id=status class=status role=status hidden></p>"
        "</div>"
        "<div class=controls>"
        "<label>Quality <select id=quality disabled><option value=-1>Auto</option></select></label>"
        "<button id=golive type=button hidden>Go live ⏩</button>"
        "<span id=latency class=latency></span>"
        "<button id=signout type=button hidden>Forget my token</button>"
        "</div></section>"
        '<aside class=chat aria-label="Chat">'
        "<h2>Chat</h2>"
        "<ol id=messages aria-live=polite></ol>"
        "<p id=chatnote class=note></p>"
        "<form id=chatform hidden>"
        "<input id=chattext name=text maxlength=500 autocomplete=off required "
        'placeholder="Say something…" aria-label="Chat message">'
        "<button type=submit>Send</button></form>"
        "</aside></main>"
        "<noscript><p class=note>The player needs JavaScript.</p></noscript>"
        "</body></html>"
    )


@routes.get(r"/live/{stream_id}")
async def watch_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    context = ctx(request)
    headers = {
        "Content-Security-Policy": content_security_policy(
            playback_origins(context.blobs, settings) if context.blobs else [],
            settings.streaming_url,
        ),
        "Referrer-Policy": "no-referrer",  # the URL may carry a signed playlist's signature
        "Cache-Control": "no-store",
        **NO_SNIFF,
    }
    try:
        stream_id = parse_id(request.match_info["stream_id"])
    except NotFound:
        return web.Response(
            text=error_page("Not found", "There is no such live stream."),
            status=404,
            content_type="text/html",
            headers={**headers, "Content-Security-Policy": _ERROR_PAGE_POLICY},
        )
    try:  # as an anonymous viewer: followers-only streams stay a blank shell until signed in
        stream: LiveStream | None = await live.get_stream(context, None, stream_id)
    except NotFound:
        stream = None
    images = await live.preview_urls(context, stream) if stream else None
    return web.Response(
        text=render_page(stream_id, settings.streaming_url, stream, images[0] if images else None),
        content_type="text/html",
        headers=headers,
    )
