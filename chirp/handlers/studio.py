"""The streamer's studio, `GET /live/studio`: go live from the browser, no encoder to install.

A shell like the watch page: `studio.js` (with the streamer's token from the URL fragment, never
sent to this handler) previews the camera, creates the stream through the streams API, sends
`MediaRecorder` WebM chunks over the ingest websocket (`chirp/handlers/live_ingest.py`), shows
the state and viewer count, and ends the stream. Same strict Content-Security-Policy.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from chirp.handlers.watch import NO_SNIFF, asset_url
from chirp.server.keys import SETTINGS

routes = web.RouteTableDef()

# Scripts and styles from this origin only; the camera preview is a MediaStream (no URL); the
# page talks to the API and the ingest websocket of this origin.
_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self' ws: wss:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

_PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8>"
    '<meta name=viewport content="width=device-width,initial-scale=1">'
    '<meta name=referrer content="no-referrer"><link rel=icon href="data:,">'
    "<title>Go live · Chirp</title>"
    '<link rel=stylesheet href="{watch_css}">'
    '<link rel=stylesheet href="{studio_css}">'
    '<script defer src="{session_js}"></script>'
    '<script defer src="{studio_js}"></script>'
    '</head><body><main id=studio data-streaming="{streaming}">'
    '<section class=stage aria-label="Camera">'
    "<header class=info><div class=who><h1>Go live</h1>"
    "<p id=who></p></div>"
    "<div class=badges><span id=state class=state>offline</span>"
    "<span id=viewers class=viewers hidden></span></div></header>"
    "<div class=player>"
    "<video id=preview muted autoplay playsinline></video>"
    "<p id=status class=status role=status hidden></p>"
    "</div></section>"
    '<aside class=chat aria-label="Stream settings">'
    "<h2>Stream</h2>"
    "<form id=setup>"
    "<label for=title>Title</label>"
    "<input id=title name=title maxlength=200 required autocomplete=off "
    'placeholder="What are you streaming?">'
    "<label for=visibility>Who can watch</label>"
    "<select id=visibility name=visibility>"
    "<option value=public>Everyone</option>"
    "<option value=private>Followers only</option></select>"
    "<label for=camera>Camera</label><select id=camera name=camera></select>"
    "<label for=microphone>Microphone</label><select id=microphone name=microphone></select>"
    "<label for=quality>Quality</label>"
    "<select id=quality name=quality>"
    "<option value=720>720p (2.5 Mbit/s)</option>"
    "<option value=480>480p (1.2 Mbit/s)</option>"
    "<option value=360>360p (0.8 Mbit/s)</option></select>"
    "<button id=start type=submit disabled>Go live</button>"
    "</form>"
    "<button id=stop type=button hidden>End stream</button>"
    "<p id=watchlink class=note hidden>Viewers watch at <a id=watchurl target=_blank "
    "rel=noopener></a></p>"
    "<p id=note class=note></p>"
    "<section id=health hidden aria-label='Stream health'><h2>Stream health</h2><dl>"
    "<dt>Ingest</dt><dd id=h-ingest></dd><dt>Frames in</dt><dd id=h-fps></dd>"
    "<dt>Frames lost</dt><dd id=h-dropped></dd><dt>Transcoder</dt><dd id=h-speed></dd></dl>"
    "<table><thead><tr><th>Rung</th><th>Speed</th><th>Bit rate</th></tr></thead>"
    "<tbody id=h-rungs></tbody></table></section>"
    "</aside></main>"
    "<noscript><p class=note>Going live needs JavaScript.</p></noscript>"
    "</body></html>"
)


@routes.get("/live/studio")
async def studio_page(request: web.Request) -> web.Response:
    page = _PAGE.format(
        watch_css=asset_url("watch.css"),
        studio_css=asset_url("studio.css"),
        session_js=asset_url("session.js"),
        studio_js=asset_url("studio.js"),
        streaming=escape(request.app[SETTINGS].streaming_url),
    )
    headers = {
        "Content-Security-Policy": _POLICY,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        # The page asks for the camera and microphone of this origin only.
        "Permissions-Policy": "camera=(self), microphone=(self)",
        **NO_SNIFF,
    }
    return web.Response(text=page, content_type="text/html", headers=headers)
