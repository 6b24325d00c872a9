"""Browser access, as Mastodon serves it (rack-cors): the API, the token endpoints and the
discovery documents answer any origin, without credentials.

This is safe because nothing there authenticates with a cookie: API calls carry a bearer token
that a page on another origin cannot read or guess, so letting that page send requests and read
answers grants it nothing its own token does not. The consent page (`/oauth/authorize`) is a
form for people, not an API, and stays same-origin.

Preflights are answered here, outside routing: an `OPTIONS` for a path that exists only with
other methods, or with a trailing slash the router would redirect (a preflight cannot follow a
redirect), still gets its answer. Every other response on these paths gets its headers just
before it is sent, errors and event streams included.
"""

from __future__ import annotations

import re
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

# Path prefix -> methods a page on another origin may use there (Mastodon's resources, plus
# the revocation endpoint and the NodeInfo documents the discovery link points to).
_RESOURCES: tuple[tuple[str, frozenset[str]], ...] = (
    ("/api/", frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})),
    ("/oauth/token", frozenset({"POST"})),
    ("/oauth/revoke", frozenset({"POST"})),
    ("/.well-known/", frozenset({"GET", "HEAD"})),
    ("/nodeinfo/", frozenset({"GET", "HEAD"})),
)
# What scripts may read besides the CORS-safelisted headers: pagination and rate limits.
EXPOSED_HEADERS = "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
PREFLIGHT_MAX_AGE = 7200  # seconds a browser may reuse a preflight (rack-cors' default)
_HEADER_LIST = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$")
# An id a proxy in front gave the request is kept (as Rails keeps it), if it is plain text.
_REQUEST_ID_CHARS = re.compile(r"[^\w\-@]")
_REQUEST_ID = web.RequestKey("request_id", str)


def _allowed_methods(path: str) -> frozenset[str] | None:
    for prefix, methods in _RESOURCES:
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return methods
    return None


def _preflight(request: web.Request, methods: frozenset[str]) -> web.Response:
    # Answered 200 whatever was asked: a refused preflight is one without the allow headers.
    response = web.Response(
        status=200,
        headers={"Vary": "Access-Control-Request-Method, Access-Control-Request-Headers"},
    )
    if request.headers["Access-Control-Request-Method"].strip().upper() not in methods:
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(methods))
    requested = request.headers.get("Access-Control-Request-Headers", "").strip()
    if requested and _HEADER_LIST.match(requested):
        response.headers["Access-Control-Allow-Headers"] = requested
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


@web.middleware
async def cors_preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The outermost middleware: answers CORS preflights before routing and redirects."""
    if (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    ):
        methods = _allowed_methods(request.path)
        if methods is not None:
            return _preflight(request, methods)
    return await handler(request)


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request its `X-Request-Id` (the one a proxy set, else a new UUID)."""
    given = _REQUEST_ID_CHARS.sub("", request.headers.get("X-Request-Id", ""))[:255]
    request[_REQUEST_ID] = given or str(uuid.uuid4())
    return await handler(request)


def request_id(request: web.Request) -> str | None:
    return request.get(_REQUEST_ID)


async def add_browser_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: the request id on every response; CORS headers on the paths
    above, whatever produced the response (a handler, an error, a redirect, a stream)."""
    if rid := request_id(request):
        response.headers["X-Request-Id"] = rid
    # A preflight carries its own (or, refused, none).
    if request.method != "OPTIONS" and _allowed_methods(request.path) is not None:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
