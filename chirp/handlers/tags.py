"""Hashtags: `/api/v1/tags/:name` (show, follow, unfollow, feature, unfeature),
`/api/v1/followed_tags`, and featured tags (`/api/v1/featured_tags`, its suggestions, and an
account's `/api/v1/accounts/:id/featured_tags`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import tags
from chirp.core.context import Context
from chirp.core.models import Account
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    optional_principal,
    params,
    parse_id,
    validate,
)
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.serializers.tags import featured_tag_json, tag_view_json

routes = web.RouteTableDef()

# `name` in paths: anything but a slash; what is not a hashtag is a 404 (`tags.tag_name`).
_TAG = r"/api/v1/tags/{name:[^/]+}"


class FeatureForm(BaseModel):
    name: str = Field(max_length=200)


TagAction = Callable[[Context, Account, str], Awaitable[tags.TagView]]


async def _act_on_tag(request: web.Request, scope: str, action: TagAction) -> web.Response:
    """Follow, unfollow, feature or unfeature the tag in the path; answer with the tag."""
    _, account = await authenticate_user(request, scope)
    context = ctx(request)
    view = await action(context, account, request.match_info["name"])
    return json_response(tag_view_json(view, context.settings))


@routes.get(_TAG)
async def show_tag(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    viewer = principal.account if principal else None
    context = ctx(request)
    view = await tags.show_tag(context, viewer, request.match_info["name"])
    return json_response(tag_view_json(view, context.settings))


@routes.post(_TAG + "/follow")
async def follow_tag(request: web.Request) -> web.Response:
    return await _act_on_tag(request, "write:follows", tags.follow_tag)


@routes.post(_TAG + "/unfollow")
async def unfollow_tag(request: web.Request) -> web.Response:
    return await _act_on_tag(request, "write:follows", tags.unfollow_tag)


@routes.get("/api/v1/followed_tags")
@documented(query=PageQuery)
async def followed_tags(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:follows")
    page = parse_page(request, default=100, maximum=200)
    context = ctx(request)
    views, cursors = await tags.followed_tags(context, account, page)
    return json_response(
        [tag_view_json(view, context.settings) for view in views],
        headers=link_header(request, cursors),
    )


@routes.post(_TAG + "/feature")
async def feature_tag_by_name(request: web.Request) -> web.Response:
    return await _act_on_tag(request, "write:accounts", tags.feature_tag_by_name)


@routes.post(_TAG + "/unfeature")
async def unfeature_tag_by_name(request: web.Request) -> web.Response:
    return await _act_on_tag(request, "write:accounts", tags.unfeature_tag_by_name)


@routes.get("/api/v1/featured_tags")
async def my_featured_tags(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:accounts")
    context = ctx(request)
    _, found = await tags.featured_tags(context, account.id)
    return json_response([featured_tag_json(f, account, context.settings) for f in found])


@routes.post("/api/v1/featured_tags")
@documented(body=FeatureForm)
async def feature_tag(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:accounts")
    form = validate(FeatureForm, await params(request))
    context = ctx(request)
    featured = await tags.feature_tag(context, account, form.name)
    return json_response(featured_tag_json(featured, account, context.settings))


@routes.delete(r"/api/v1/featured_tags/{id}")
async def unfeature_tag(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:accounts")
    await tags.unfeature_tag(ctx(request), account, parse_id(request.match_info["id"]))
    return json_response({})


@routes.get("/api/v1/featured_tags/suggestions")
async def suggested_tags(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:accounts")
    context = ctx(request)
    views = await tags.suggested_tags(context, account)
    return json_response([tag_view_json(view, context.settings) for view in views])


@routes.get(r"/api/v1/accounts/{id}/featured_tags")
async def account_featured_tags(request: web.Request) -> web.Response:
    await optional_principal(request)
    context = ctx(request)
    account, found = await tags.featured_tags(context, parse_id(request.match_info["id"]))
    return json_response([featured_tag_json(f, account, context.settings) for f in found])
