"""Follow graph and per-account timelines: follow/unfollow, relationships, followers, following,
an account's tweets, and account search."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from chirp.core import follows, search, timelines
from chirp.core.context import Context
from chirp.core.emojis import current_emojis
from chirp.core.models import Account, FollowOptions, Page
from chirp.core.views import Loaded
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    optional_principal,
    params,
    parse_id,
    query_params,
    validate,
)
from chirp.handlers.forms import FormBool, IdList
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.handlers.rendering import render_statuses
from chirp.serializers.accounts import account_json, familiar_followers_json
from chirp.serializers.relationships import relationship_json

routes = web.RouteTableDef()


class RelationshipsQuery(BaseModel):
    id: IdList = Field(default_factory=list, max_length=100)


class FamiliarFollowersQuery(BaseModel):
    id: IdList = Field(default_factory=list, max_length=100)


class AccountStatusesQuery(BaseModel):
    exclude_replies: FormBool = False
    exclude_reblogs: FormBool = False
    only_media: FormBool = False
    pinned: FormBool = False
    tagged: str | None = Field(None, max_length=200)


class AccountSearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=500)
    offset: int = Field(0, ge=0, le=10_000)


class FollowForm(BaseModel):
    """Mastodon's follow options; those left out stay as they are (a new follow: the defaults,
    retweets shown, no notifications, every language)."""

    reblogs: FormBool | None = None
    notify: FormBool | None = None
    # ISO 639-1 codes; an empty list (or none given as `languages[]=`) means every language.
    languages: list[str] | None = Field(None, max_length=200)

    @field_validator("languages", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, str):  # `languages=en` (a single form value)
            return [value] if value else []
        if isinstance(value, list):
            return [v for v in value if v != ""]
        return value

    def options(self) -> FollowOptions:
        languages = None if self.languages is None else tuple(dict.fromkeys(self.languages))
        return FollowOptions(self.reblogs, self.notify, languages)


@routes.post(r"/api/v1/accounts/{id:\d+}/follow")
@documented(body=FollowForm)
async def follow(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:follows")
    target = parse_id(request.match_info["id"])
    form = validate(FollowForm, await params(request))
    relation = await follows.follow(ctx(request), account, target, form.options())
    return json_response(relationship_json(target, relation))


@routes.post(r"/api/v1/accounts/{id:\d+}/unfollow")
async def unfollow(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:follows")
    target = parse_id(request.match_info["id"])
    relation = await follows.unfollow(ctx(request), account, target)
    return json_response(relationship_json(target, relation))


@routes.post(r"/api/v1/accounts/{id:\d+}/remove_from_followers")
async def remove_from_followers(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:follows")
    follower = parse_id(request.match_info["id"])
    relation = await follows.remove_from_followers(ctx(request), account, follower)
    return json_response(relationship_json(follower, relation))


@routes.get("/api/v1/accounts/familiar_followers")
@documented(query=FamiliarFollowersQuery)
async def familiar_followers(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:follows")
    # Mastodon.py sends these ids as a JSON body on the GET (Rails reads both).
    query = validate(FamiliarFollowersQuery, {"id": (await params(request)).get("id", [])})
    context = ctx(request)
    found = await follows.familiar_followers(context, account, query.id)
    return json_response(
        familiar_followers_json(found, context.settings, await current_emojis(context))
    )


@routes.get("/api/v1/accounts/relationships")
@documented(query=RelationshipsQuery)
async def relationships(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:follows")
    query = validate(RelationshipsQuery, {"id": query_params(request).get("id", [])})
    found = await follows.relationships(ctx(request), account, query.id)
    return json_response(
        [relationship_json(target, found[target]) for target in dict.fromkeys(query.id)]
    )


@routes.get("/api/v1/accounts/search")
@documented(query=(AccountSearchQuery, PageQuery))
async def account_search(request: web.Request) -> web.Response:
    _, viewer = await authenticate_user(request, "read:accounts")
    query = validate(
        AccountSearchQuery, {k: v for k, v in query_params(request).items() if k in ("q", "offset")}
    )
    page = parse_page(request, maximum=80)
    context = ctx(request)
    found = await search.search(
        context, viewer.id, query.q, type="accounts", limit=page.limit, offset=query.offset
    )
    emojis = await current_emojis(context)
    return json_response([account_json(a, context.settings, emojis) for a in found.accounts])


AccountsPage = Callable[
    [Context, int | None, int, Page], Awaitable[tuple[list[Account], list[int]]]
]


async def _account_list(request: web.Request, use_case: AccountsPage) -> web.Response:
    principal = await optional_principal(request)
    viewer = principal.account.id if principal and principal.account else None
    page = parse_page(request, maximum=80)
    context = ctx(request)
    accounts, cursors = await use_case(context, viewer, parse_id(request.match_info["id"]), page)
    emojis = await current_emojis(context)
    return json_response(
        [account_json(a, context.settings, emojis) for a in accounts],
        headers=link_header(request, cursors),
    )


@routes.get(r"/api/v1/accounts/{id:\d+}/followers")
@documented(query=PageQuery)
async def followers(request: web.Request) -> web.Response:
    return await _account_list(request, follows.followers)


@routes.get(r"/api/v1/accounts/{id:\d+}/following")
@documented(query=PageQuery)
async def following(request: web.Request) -> web.Response:
    return await _account_list(request, follows.following)


@routes.get(r"/api/v1/accounts/{id:\d+}/statuses")
@documented(query=(AccountStatusesQuery, PageQuery))
async def account_statuses(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    viewer = principal.account.id if principal and principal.account else None
    query = validate(
        AccountStatusesQuery,
        {k: v for k, v in query_params(request).items() if k in AccountStatusesQuery.model_fields},
    )
    page = parse_page(request)
    loaded = Loaded(viewer)
    found, cursors = await timelines.account_timeline(
        ctx(request),
        viewer,
        parse_id(request.match_info["id"]),
        page,
        timelines.AccountTimelineOptions(
            exclude_replies=query.exclude_replies,
            exclude_reblogs=query.exclude_reblogs,
            only_media=query.only_media,
            pinned=query.pinned,
            tagged=query.tagged,
        ),
        loaded=loaded,
    )
    return json_response(
        await render_statuses(request, found, viewer, loaded=loaded),
        headers=link_header(request, cursors),
    )
