"""Notification policies (`/api/v1|v2/notifications/policy`) and the requests holding what they
filtered (`/api/v1/notifications/requests`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from chirp.core import notification_policy as policies
from chirp.core import notification_requests as requests
from chirp.core.context import Context
from chirp.core.errors import NotFound
from chirp.core.models import Account, NotificationRequest
from chirp.core.views import load_bundle
from chirp.handlers.common import authenticate_user, ctx, json_response, params, parse_id, validate
from chirp.handlers.forms import FormBool, IdList
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.serializers.notification_groups import policy_json, policy_v1_json, request_json
from chirp.serializers.statuses import StatusSerializer
from chirp.server.keys import RENDER_CACHE

routes = web.RouteTableDef()


class PolicyForm(BaseModel):
    for_not_following: str | None = Field(None, max_length=10)
    for_not_followers: str | None = Field(None, max_length=10)
    for_new_accounts: str | None = Field(None, max_length=10)
    for_private_mentions: str | None = Field(None, max_length=10)
    for_limited_accounts: str | None = Field(None, max_length=10)


class PolicyV1Form(BaseModel):
    filter_not_following: FormBool | None = None
    filter_not_followers: FormBool | None = None
    filter_new_accounts: FormBool | None = None
    filter_private_mentions: FormBool | None = None


class IdsForm(BaseModel):
    id: IdList = Field(min_length=1, max_length=100)

    @field_validator("id")
    @classmethod
    def _in_range(cls, value: list[int]) -> list[int]:
        if any(not 0 <= i < 2**63 for i in value):
            raise ValueError("ids are positive 64-bit integers")
        return value


async def _form(request: web.Request, model: type[BaseModel]) -> dict[str, Any]:
    body = await params(request)
    form = validate(model, {k: v for k, v in body.items() if k in model.model_fields})
    return {k: v for k, v in form.model_dump().items() if v is not None}


@routes.get("/api/v2/notifications/policy")
async def show_policy(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    return json_response(
        policy_json(*await policies.get_notification_policy(ctx(request), account))
    )


@routes.patch("/api/v2/notifications/policy")
@documented(body=PolicyForm)
async def update_policy(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:notifications")
    changes = await _form(request, PolicyForm)
    found = await policies.update_notification_policy(ctx(request), account, changes)
    return json_response(policy_json(*found))


@routes.get("/api/v1/notifications/policy")
async def show_policy_v1(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    found = await policies.get_notification_policy(ctx(request), account)
    return json_response(policy_v1_json(*found))


@routes.patch("/api/v1/notifications/policy")
@documented(body=PolicyV1Form)
async def update_policy_v1(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:notifications")
    changes = {
        policies.V1_FIELDS[name]: "filter" if value else "accept"
        for name, value in (await _form(request, PolicyV1Form)).items()
    }
    found = await policies.update_notification_policy(ctx(request), account, changes)
    return json_response(policy_v1_json(*found))


async def _render(
    request: web.Request, found: list[NotificationRequest], account: Account
) -> list[dict[str, Any]]:
    context = ctx(request)
    statuses = await requests.last_statuses(context, account, found)
    bundle = await load_bundle(
        context,
        list(statuses.values()),
        account.id,
        extra_account_ids=[r.from_account_id for r in found],
    )
    serializer = StatusSerializer(bundle, context.settings, request.app[RENDER_CACHE])
    rendered = (request_json(r, serializer) for r in found)
    return [body for body in rendered if body is not None]


@routes.get("/api/v1/notifications/requests")
@documented(query=PageQuery)
async def list_requests(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    page = parse_page(request, default=40, maximum=80)
    found, cursors = await requests.list_notification_requests(ctx(request), account, page)
    return json_response(
        await _render(request, found, account), headers=link_header(request, cursors)
    )


@routes.get("/api/v1/notifications/requests/merged")
async def merged(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    return json_response({"merged": await requests.requests_merged(ctx(request), account)})


@routes.get(r"/api/v1/notifications/requests/{id:\d+}")
async def show_request(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    found = await requests.get_notification_request(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    rendered = await _render(request, [found], account)
    if not rendered:
        raise NotFound("Record not found")
    return json_response(rendered[0])


RequestAction = Callable[[Context, Account, int], Awaitable[None]]
BulkAction = Callable[[Context, Account, Iterable[int]], Awaitable[int]]


def _one(use_case: RequestAction) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        _, account = await authenticate_user(request, "write:notifications")
        await use_case(ctx(request), account, parse_id(request.match_info["id"]))
        return json_response({})

    return handler


def _many(use_case: BulkAction) -> Callable[[web.Request], Awaitable[web.Response]]:
    @documented(body=IdsForm)
    async def handler(request: web.Request) -> web.Response:
        _, account = await authenticate_user(request, "write:notifications")
        form = validate(IdsForm, {k: v for k, v in (await params(request)).items() if k == "id"})
        await use_case(ctx(request), account, form.id)
        return json_response({})

    return handler


for verb, one, many in (
    ("accept", requests.accept_notification_request, requests.accept_notification_requests),
    ("dismiss", requests.dismiss_notification_request, requests.dismiss_notification_requests),
):
    routes.post(rf"/api/v1/notifications/requests/{{id:\d+}}/{verb}")(_one(one))
    routes.post(f"/api/v1/notifications/requests/{verb}")(_many(many))
