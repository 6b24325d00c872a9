"""`X-Content-Type-Options: nosniff` on every response, pages, API, media and errors alike: a
browser then never reads an upload or a JSON body as HTML or script."""

from __future__ import annotations

from aiohttp import web


async def add_nosniff(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
