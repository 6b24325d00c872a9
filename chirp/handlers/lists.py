"""`/api/v1/lists` (CRUD and members), `/api/v1/accounts/:id/lists` and the list timeline
`/api/v1/timelines/list/:id`, as Mastodon serves them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import lists
from chirp.core.context import Context
from chirp.core.emojis import current_emojis
from chirp.core.models import Account
from chirp.core.views import Loaded
from chirp.handlers.common import authenticate_user, ctx, json_response, params, parse_id, validate
from chirp.handlers.forms import FormBool, IdList
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.handlers.rendering import render_statuses
from chirp.serializers.accounts import account_json
from chirp.serializers.lists import list_json

routes = web.RouteTableDef()


class ListForm(BaseModel):
    title: str = Field(max_length=lists.MAX_TITLE * 4)
    replies_policy: str = "list"
    exclusive: FormBool = False


class ListChanges(BaseModel):
    title: str | None = Field(None, max_length=lists.MAX_TITLE * 4)
    replies_policy: str | None = None
    exclusive: FormBool | None = None


class MembersForm(BaseModel):
    account_ids: IdList = Field(default_factory=list, max_length=250)


def _list_id(request: web.Request) -> int:
    return parse_id(request.match_info["id"])


@routes.get("/api/v1/lists")
async def index(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:lists")
    return json_response(
        [list_json(found) for found in await lists.get_lists(ctx(request), account)]
    )


@routes.post("/api/v1/lists")
@documented(body=ListForm)
async def create(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:lists")
    form = validate(ListForm, await params(request))
    made = await lists.create_list(
        ctx(request),
        account,
        form.title,
        replies_policy=form.replies_policy,
        exclusive=form.exclusive,
    )
    return json_response(list_json(made))


@routes.get(r"/api/v1/lists/{id}")
async def show(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:lists")
    return json_response(list_json(await lists.get_list(ctx(request), account, _list_id(request))))


@routes.put(r"/api/v1/lists/{id}")
@documented(body=ListChanges)
async def update(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:lists")
    form = validate(ListChanges, await params(request))
    changed = await lists.update_list(
        ctx(request),
        account,
        _list_id(request),
        title=form.title,
        replies_policy=form.replies_policy,
        exclusive=form.exclusive,
    )
    return json_response(list_json(changed))


@routes.delete(r"/api/v1/lists/{id}")
async def delete(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:lists")
    await lists.delete_list(ctx(request), account, _list_id(request))
    return json_response({})


@routes.get(r"/api/v1/lists/{id}/accounts")
@documented(query=PageQuery)
async def members(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:lists")
    # As Mastodon: 40 by default, at most 80, and `limit=0` for every member at once.
    everyone = request.query.get("limit") == "0"
    page = parse_page(request, default=40, maximum=80)
    if everyone:
        page.limit = 0
    context = ctx(request)
    found, cursors = await lists.list_members(context, account, _list_id(request), page)
    emojis = await current_emojis(context)
    return json_response(
        [account_json(member, context.settings, emojis) for member in found],
        headers={} if everyone else link_header(request, cursors),
    )


MembersChange = Callable[[Context, Account, int, list[int]], Awaitable[None]]


async def _change_members(request: web.Request, change: MembersChange) -> web.Response:
    _, account = await authenticate_user(request, "write:lists")
    form = validate(MembersForm, await params(request))
    await change(ctx(request), account, _list_id(request), form.account_ids)
    return json_response({})


@routes.post(r"/api/v1/lists/{id}/accounts")
@documented(body=MembersForm)
async def add_members(request: web.Request) -> web.Response:
    return await _change_members(request, lists.add_list_members)


@routes.delete(r"/api/v1/lists/{id}/accounts")
@documented(body=MembersForm)
async def remove_members(request: web.Request) -> web.Response:
    return await _change_members(request, lists.remove_list_members)


@routes.get(r"/api/v1/accounts/{id:\d+}/lists")
async def account_lists(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:lists")
    found = await lists.lists_with_account(ctx(request), account, _list_id(request))
    return json_response([list_json(item) for item in found])


@routes.get(r"/api/v1/timelines/list/{id}")
@documented(query=PageQuery)
async def timeline(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:lists")
    page = parse_page(request)
    loaded = Loaded(account.id)
    found, cursors = await lists.list_timeline(
        ctx(request), account, _list_id(request), page, loaded=loaded
    )
    return json_response(
        await render_statuses(request, found, account.id, loaded=loaded),
        headers=link_header(request, cursors),
    )
