"""`/api/v2/notifications` (grouped, Mastodon 4.3): list, unread count, clear, one group, its
accounts, dismiss; and `/api/v1/notifications/unread_count`."""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import notification_groups as groups
from chirp.core import notifications
from chirp.core.errors import NotFound
from chirp.core.notification_groups import NotificationFilter
from chirp.handlers.common import (
    BadRequest,
    authenticate_user,
    ctx,
    json_response,
    query_params,
    validate,
)
from chirp.handlers.forms import FormBool, OptionalId, StrList
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.serializers.accounts import account_json
from chirp.serializers.notification_groups import grouped_json
from chirp.serializers.statuses import StatusSerializer
from chirp.server.keys import RENDER_CACHE

routes = web.RouteTableDef()

UNREAD_DEFAULT, UNREAD_MAX = 100, 1000
MAX_GROUP_KEY = 200


class FilterQuery(BaseModel):
    types: StrList = Field(default_factory=list, max_length=20)
    exclude_types: StrList = Field(default_factory=list, max_length=20)
    account_id: OptionalId = Field(None, ge=0, lt=2**63)
    include_filtered: FormBool = False
    grouped_types: StrList = Field(default_factory=list, max_length=20)
    expand_accounts: str | None = Field(None, max_length=30)

    def filters(self) -> NotificationFilter:
        return NotificationFilter(
            types=self.types or None,
            exclude_types=self.exclude_types,
            from_account_id=self.account_id,
            include_filtered=self.include_filtered,
        )


class UnreadQuery(FilterQuery):
    limit: int | None = None


M = TypeVar("M", bound=BaseModel)


def _query(request: web.Request, model: type[M]) -> M:
    return validate(
        model, {k: v for k, v in query_params(request).items() if k in model.model_fields}
    )


def _partial_avatars(query: FilterQuery) -> bool:
    if query.expand_accounts in (None, "full"):
        return False
    if query.expand_accounts == "partial_avatars":
        return True
    raise BadRequest(
        f"Invalid value for 'expand_accounts': '{query.expand_accounts}', allowed values are"
        " 'full' and 'partial_avatars'"
    )


def _group_key(request: web.Request) -> str:
    key = request.match_info["group_key"]
    if len(key) > MAX_GROUP_KEY:
        raise NotFound("Record not found")
    return key


async def _render(
    request: web.Request, found: list[groups.NotificationGroup], viewer_id: int, partial: bool
) -> dict[str, Any]:
    context = ctx(request)
    bundle = await groups.load_group_bundle(context, found, viewer_id)
    serializer = StatusSerializer(bundle, context.settings, request.app[RENDER_CACHE])
    return grouped_json(found, serializer, partial_avatars=partial)


def _unread_limit(query: UnreadQuery) -> int:
    return UNREAD_DEFAULT if query.limit is None else max(1, min(query.limit, UNREAD_MAX))


@routes.get("/api/v2/notifications")
@documented(query=(FilterQuery, PageQuery))
async def list_groups(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    query = _query(request, FilterQuery)
    partial = _partial_avatars(query)
    page = parse_page(request, default=40, maximum=80)
    found, cursors = await groups.list_notification_groups(
        ctx(request), account, page, query.filters(), query.grouped_types
    )
    return json_response(
        await _render(request, found, account.id, partial), headers=link_header(request, cursors)
    )


@routes.get("/api/v2/notifications/unread_count")
@documented(query=UnreadQuery)
async def unread_group_count(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    query = _query(request, UnreadQuery)
    count = await groups.count_unread_groups(
        ctx(request), account, _unread_limit(query), query.filters(), query.grouped_types
    )
    return json_response({"count": count})


@routes.get("/api/v1/notifications/unread_count")
@documented(query=UnreadQuery)
async def unread_count(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    query = _query(request, UnreadQuery)
    count = await groups.count_unread_notifications(
        ctx(request), account, _unread_limit(query), query.filters()
    )
    return json_response({"count": count})


@routes.post("/api/v2/notifications/clear")
async def clear(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:notifications")
    await notifications.clear_notifications(ctx(request), account)
    return json_response({})


@routes.get("/api/v2/notifications/{group_key}")
async def show_group(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    found = await groups.get_notification_group(ctx(request), account, _group_key(request))
    body = await _render(request, [found], account.id, False)
    if not body["notification_groups"]:
        raise NotFound("Record not found")
    return json_response(body)


@routes.post("/api/v2/notifications/{group_key}/dismiss")
async def dismiss_group(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:notifications")
    await groups.dismiss_notification_group(ctx(request), account, _group_key(request))
    return json_response({})


@routes.get("/api/v2/notifications/{group_key}/accounts")
@documented(query=PageQuery)
async def group_accounts(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    page = parse_page(request, default=40, maximum=80)
    accounts, cursors = await groups.group_accounts(
        ctx(request), account, _group_key(request), page
    )
    settings = ctx(request).settings
    return json_response(
        [account_json(a, settings) for a in accounts], headers=link_header(request, cursors)
    )
