"""`/api/v1/timelines/*`: home (chronological, or `order=ranked`), public, hashtag, link; and
trends."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import links, tags, timelines, trends
from chirp.core.views import Loaded
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    optional_principal,
    query_params,
    validate,
)
from chirp.handlers.forms import FormBool, StrList
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, offset_link_header, parse_page
from chirp.handlers.rendering import render_statuses
from chirp.serializers.cards import link_trend_json
from chirp.serializers.tags import tag_view_json

routes = web.RouteTableDef()


class HomeQuery(BaseModel):
    order: str = Field("chronological", pattern="^(chronological|ranked)$")
    offset: int = Field(0, ge=0, le=10_000)


class PublicQuery(BaseModel):
    only_media: FormBool = False
    local: FormBool = False
    remote: FormBool = False


class TagQuery(PublicQuery):
    any: StrList = Field(default_factory=list)


class LinkQuery(BaseModel):
    url: str = Field(min_length=1, max_length=4096)


class OffsetQuery(BaseModel):
    offset: int = Field(0, ge=0, le=10_000)


def _viewer_id(principal: object) -> int | None:
    account = getattr(principal, "account", None)
    return account.id if account is not None else None


@routes.get("/api/v1/timelines/home")
@documented(query=(HomeQuery, PageQuery))
async def home(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:statuses")
    query = validate(
        HomeQuery, {k: v for k, v in query_params(request).items() if k in HomeQuery.model_fields}
    )
    page = parse_page(request)
    context = ctx(request)
    if query.order == "ranked":
        # Ranked pages are positional: `offset` walks them (Link headers carry it).
        found = await timelines.ranked_home_timeline(
            context, account, limit=page.limit, offset=query.offset
        )
        headers = offset_link_header(request, query.offset + page.limit) if found else {}
        rendered = await render_statuses(request, found, account.id, filter_context="home")
        return json_response(rendered, headers=headers)
    loaded = Loaded(account.id)
    found, cursors = await timelines.home_timeline(context, account, page, loaded=loaded)
    return json_response(
        await render_statuses(request, found, account.id, loaded=loaded),
        headers=link_header(request, cursors),
    )


@routes.get("/api/v1/timelines/public")
@documented(query=(PublicQuery, PageQuery))
async def public(request: web.Request) -> web.Response:
    viewer = _viewer_id(await optional_principal(request))
    query = validate(
        PublicQuery,
        {k: v for k, v in query_params(request).items() if k in PublicQuery.model_fields},
    )
    page = parse_page(request)
    if query.remote:  # a single-server deployment has no remote posts
        return json_response([])
    loaded = Loaded(viewer)
    found, cursors = await timelines.public_timeline(
        ctx(request), viewer, page, only_media=query.only_media, loaded=loaded
    )
    return json_response(
        await render_statuses(request, found, viewer, loaded=loaded),
        headers=link_header(request, cursors),
    )


@routes.get(r"/api/v1/timelines/tag/{tag}")
@documented(query=(TagQuery, PageQuery))
async def tag(request: web.Request) -> web.Response:
    viewer = _viewer_id(await optional_principal(request))
    query = validate(
        TagQuery, {k: v for k, v in query_params(request).items() if k in TagQuery.model_fields}
    )
    page = parse_page(request)
    names = [request.match_info["tag"].lstrip("#"), *query.any]
    loaded = Loaded(viewer)
    found, cursors = await timelines.tag_timeline(
        ctx(request), viewer, names, page, only_media=query.only_media, loaded=loaded
    )
    return json_response(
        await render_statuses(request, found, viewer, loaded=loaded),
        headers=link_header(request, cursors),
    )


@routes.get("/api/v1/trends")
@routes.get("/api/v1/trends/tags")
@documented(query=(OffsetQuery, PageQuery))
async def trending_tags(request: web.Request) -> web.Response:
    viewer = _viewer_id(await optional_principal(request))
    query = validate(OffsetQuery, {k: v for k, v in query_params(request).items() if k == "offset"})
    page = parse_page(request, default=10, maximum=20)
    context = ctx(request)
    found = await trends.trending_tags(context, limit=page.limit, offset=query.offset)
    views = await tags.with_flags(context, viewer, [tags.TagView(t.tag, t.history) for t in found])
    return json_response([tag_view_json(view, context.settings) for view in views])


@routes.get("/api/v1/trends/statuses")
@documented(query=(OffsetQuery, PageQuery))
async def trending_statuses(request: web.Request) -> web.Response:
    viewer = _viewer_id(await optional_principal(request))
    query = validate(OffsetQuery, {k: v for k, v in query_params(request).items() if k == "offset"})
    page = parse_page(request, default=20, maximum=40)
    found = await trends.trending_statuses(
        ctx(request), viewer, limit=page.limit, offset=query.offset
    )
    return json_response(await render_statuses(request, found, viewer))


@routes.get("/api/v1/trends/links")
@documented(query=(OffsetQuery, PageQuery))
async def trending_links(request: web.Request) -> web.Response:
    """Links shared lately by many accounts, as their preview cards with a daily history."""
    query = validate(OffsetQuery, {k: v for k, v in query_params(request).items() if k == "offset"})
    page = parse_page(request, default=10, maximum=20)
    found = await trends.trending_links(ctx(request), limit=page.limit, offset=query.offset)
    return json_response([link_trend_json(trend) for trend in found])


@routes.get("/api/v1/timelines/link")
@documented(query=(LinkQuery, PageQuery))
async def link(request: web.Request) -> web.Response:
    """Public tweets linking to `url` (an empty list when none do, never a 404)."""
    viewer = _viewer_id(await optional_principal(request))
    query = validate(LinkQuery, {k: v for k, v in query_params(request).items() if k == "url"})
    page = parse_page(request)
    loaded = Loaded(viewer)
    found, cursors = await links.link_timeline(ctx(request), viewer, query.url, page, loaded=loaded)
    return json_response(
        await render_statuses(request, found, viewer, loaded=loaded),
        headers=link_header(request, cursors),
    )
