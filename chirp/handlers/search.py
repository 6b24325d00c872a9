"""`/api/v2/search` and `/api/v1/search`: accounts, hashtags and tweets."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import search, tags
from chirp.core.emojis import current_emojis
from chirp.handlers.common import ctx, json_response, optional_principal, query_params, validate
from chirp.handlers.forms import FormBool
from chirp.handlers.openapi import documented
from chirp.handlers.rendering import render_statuses
from chirp.serializers.accounts import account_json
from chirp.serializers.tags import tag_view_json

routes = web.RouteTableDef()


class SearchQuery(BaseModel):
    q: str = Field(max_length=1000)
    type: str | None = Field(None, max_length=20)
    resolve: FormBool = False
    following: FormBool = False
    limit: int = Field(20)
    offset: int = Field(0, ge=0, le=10_000)


async def _search(request: web.Request) -> tuple[search.SearchResults, int | None]:
    principal = await optional_principal(request)
    viewer = principal.account.id if principal and principal.account else None
    query = validate(
        SearchQuery,
        {k: v for k, v in query_params(request).items() if k in SearchQuery.model_fields},
    )
    limit = max(1, min(query.limit, 40))
    # Anonymous clients may not page through results, as in Mastodon.
    offset = query.offset if viewer is not None else 0
    results = await search.search(
        ctx(request), viewer, query.q, type=query.type or None, limit=limit, offset=offset
    )
    return results, viewer


@routes.get("/api/v2/search")
@documented(query=SearchQuery)
async def search_v2(request: web.Request) -> web.Response:
    results, viewer = await _search(request)
    settings = ctx(request).settings
    emojis = await current_emojis(ctx(request))
    body: dict[str, Any] = {
        "accounts": [account_json(a, settings, emojis) for a in results.accounts],
        "statuses": await render_statuses(request, results.statuses, viewer),
        "hashtags": [
            tag_view_json(view, settings)
            for view in await tags.tag_views(ctx(request), viewer, results.hashtags)
        ],
    }
    return json_response(body)


@routes.get("/api/v1/search")
@documented(query=SearchQuery)
async def search_v1(request: web.Request) -> web.Response:
    results, viewer = await _search(request)
    settings = ctx(request).settings
    emojis = await current_emojis(ctx(request))
    return json_response(
        {
            "accounts": [account_json(a, settings, emojis) for a in results.accounts],
            "statuses": await render_statuses(request, results.statuses, viewer),
            "hashtags": [t.name for t in results.hashtags],
        }
    )
