"""The Chirp web app: a single-page client of the public API, built from `web/` into
`chirp/web_dist/` (shipped in the package, so `chirp serve` needs no Node).

GET /app/assets/:name      hashed bundles: cached for a year, immutable
GET /home, /notifications, /search, /bookmarks, /favourites, /settings, /compose, /explore,
    /login, /signup, /oauth-callback, /follow_requests, /live-now, /lists, /app
                           the app's `index.html` (`no-cache`: a deploy shows at once)
GET /, /@:user, /@:user/with_replies, /@:user/:id, /tags/:name
                           the app for a browser that holds the `chirp_app=1` hint cookie (set by
                           the app when someone signs in, cleared when they sign out), the
                           server-side public page for everyone else (crawlers, link previews,
                           logged-out visitors). The cookie only picks the page; it carries no
                           credentials: the app reads its token from its own storage.

The policy is strict: scripts and styles from this origin only (no inline script), API calls
and the streaming socket to this origin, pictures and video from here, the media store and
https.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from chirp.config import Settings
from chirp.handlers import public_pages
from chirp.handlers.common import ctx
from chirp.handlers.watch import NO_SNIFF
from chirp.video.playback import playback_origins

routes = web.RouteTableDef()

WEB_DIST = Path(__file__).resolve().parent.parent / "web_dist"
HINT_COOKIE = "chirp_app"
IMMUTABLE = "public, max-age=31536000, immutable"
APP_PATHS = (
    "/app",
    "/home",
    "/notifications",
    "/search",
    "/explore",
    "/bookmarks",
    "/favourites",
    "/settings",
    "/compose",
    "/login",
    "/signup",
    "/oauth-callback",
    "/follow_requests",
    "/live-now",
    "/lists",
)
_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Built:
    body: bytes
    content_type: str
    gzipped: bytes  # compressed once, at first use: a phone on a slow link gets a third


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, 9, mtime=0)


def _encoded(request: web.Request, built: Built) -> tuple[bytes, dict[str, str]]:
    """The gzipped body for a client that accepts it (every browser), the plain one otherwise."""
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        return built.gzipped, {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return built.body, {"Vary": "Accept-Encoding"}


@functools.cache
def _index() -> bytes | None:
    path = WEB_DIST / "index.html"
    return path.read_bytes() if path.is_file() else None


@functools.cache
def _built_asset(name: str) -> Built | None:
    path = WEB_DIST / "assets" / name
    content_type = _TYPES.get(path.suffix)
    if content_type is None or not path.is_file() or path.parent != WEB_DIST / "assets":
        return None
    body = path.read_bytes()
    return Built(body, content_type, _gzip(body))


def content_security_policy(settings: Settings, media_origins: list[str]) -> str:
    media = " ".join(media_origins)
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' https: data: blob: {media}",
            f"media-src 'self' https: blob: {media}",
            f"connect-src 'self' {settings.streaming_url} {media}",
            "font-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _app_page(request: web.Request) -> web.Response:
    body = _index()
    if body is None:  # a source checkout whose web app was never built
        return web.Response(
            status=503,
            text="The web app is not built: run `npm ci && npm run build` in web/.",
            headers={"Cache-Control": "no-cache"},
        )
    context = ctx(request)
    origins = playback_origins(context.blobs, context.settings) if context.blobs else []
    return web.Response(
        body=body,
        content_type="text/html",
        charset="utf-8",
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": content_security_policy(context.settings, origins),
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "Vary": "Cookie",
            **NO_SNIFF,
        },
    )


async def app_page(request: web.Request) -> web.StreamResponse:
    return _app_page(request)


for _path in APP_PATHS:
    routes.get(_path)(app_page)
    routes.get(_path + "/{rest:.*}")(app_page)


@routes.get(r"/app/assets/{name}")
async def built_asset(request: web.Request) -> web.StreamResponse:
    found = _built_asset(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    body, encoding = _encoded(request, found)
    return web.Response(
        body=body,
        content_type=found.content_type,
        headers={"Cache-Control": IMMUTABLE, **encoding, **NO_SNIFF},
    )


def app_or_public(public: Handler) -> Handler:
    """The app for a signed-in browser (the hint cookie), the public page for anyone else."""

    async def page(request: web.Request) -> web.StreamResponse:
        if request.cookies.get(HINT_COOKIE) == "1" and _index() is not None:
            return _app_page(request)
        response = await public(request)
        response.headers["Vary"] = "Cookie"  # shared caches keep the two pages apart
        return response

    return page


# Before `public_pages` in ROUTE_MODULES: the first route that matches a path answers it.
routes.get("/")(app_or_public(public_pages.home))
routes.get(r"/@{username}")(app_or_public(public_pages.profile))
routes.get(r"/@{username}/with_replies")(app_or_public(public_pages.profile_with_replies))
routes.get(r"/@{username}/{id}")(app_or_public(public_pages.status))
routes.get(r"/tags/{name}")(app_or_public(public_pages.tag))
