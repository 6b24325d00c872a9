"""Mastodon pagination parameters and `Link` headers."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel
from yarl import URL

from chirp.core.models import Page
from chirp.handlers.common import ctx, query_params, validate
from chirp.handlers.forms import OptionalId


class PageQuery(BaseModel):
    max_id: OptionalId = None
    since_id: OptionalId = None
    min_id: OptionalId = None
    limit: int | None = None


def parse_page(request: web.Request, *, default: int = 20, maximum: int = 40) -> Page:
    """`limit` is clamped to [1, maximum] as Mastodon does, rather than refused."""
    query = validate(
        PageQuery, {k: v for k, v in query_params(request).items() if k in PageQuery.model_fields}
    )
    limit = default if query.limit is None else max(1, min(query.limit, maximum))
    return Page(limit=limit, max_id=query.max_id, since_id=query.since_id, min_id=query.min_id)


def _public_url(request: web.Request) -> URL:
    # Links point at the public origin: behind a load balancer request.url is an internal one.
    # Built with yarl, so whatever the client sent in its query stays percent-encoded: a
    # header cannot carry a decoded control character (aiohttp refuses to send it).
    return URL(ctx(request).settings.base_url).with_path(request.path)


def offset_link_header(request: web.Request, next_offset: int) -> dict[str, str]:
    """`next` for positional pages (ranked home): the same query with the next `offset`."""
    keep = [(k, v) for k, v in request.query.items() if k != "offset"]
    next_url = _public_url(request).with_query([*keep, ("offset", str(next_offset))])
    return {"Link": f'<{next_url}>; rel="next"'}


def link_header(request: web.Request, cursors: list[int]) -> dict[str, str]:
    """`next` goes to older items (max_id = last cursor), `prev` to newer (min_id = first)."""
    if not cursors:
        return {}
    keep = [(k, v) for k, v in request.query.items() if k not in ("max_id", "min_id", "since_id")]
    base = _public_url(request)
    next_url = base.with_query([*keep, ("max_id", str(cursors[-1]))])
    prev_url = base.with_query([*keep, ("min_id", str(cursors[0]))])
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}
