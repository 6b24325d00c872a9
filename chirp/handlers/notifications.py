"""`/api/v1/notifications`: list (with type, sender and filtered filters), show, dismiss, clear."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import notifications
from chirp.core.errors import NotFound
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    params,
    parse_id,
    query_params,
    validate,
)
from chirp.handlers.forms import FormBool, Id, OptionalId, StrList
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.handlers.rendering import render_notifications

routes = web.RouteTableDef()


class NotificationQuery(BaseModel):
    types: StrList = Field(default_factory=list, max_length=20)
    exclude_types: StrList = Field(default_factory=list, max_length=20)
    account_id: OptionalId = Field(None, ge=0, lt=2**63)
    include_filtered: FormBool = False


class DismissForm(BaseModel):
    id: Id


@routes.get("/api/v1/notifications")
@documented(query=(NotificationQuery, PageQuery))
async def list_notifications(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    query = validate(
        NotificationQuery,
        {k: v for k, v in query_params(request).items() if k in NotificationQuery.model_fields},
    )
    page = parse_page(request, maximum=80)
    rows, cursors = await notifications.list_notifications(
        ctx(request),
        account,
        page,
        types=query.types or None,
        exclude_types=query.exclude_types,
        from_account_id=query.account_id,
        include_filtered=query.include_filtered,
    )
    return json_response(
        await render_notifications(request, rows, account.id), headers=link_header(request, cursors)
    )


@routes.get(r"/api/v1/notifications/{id:\d+}")
async def show_notification(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:notifications")
    found = await notifications.get_notification(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    rendered = await render_notifications(request, [found], account.id)
    if not rendered:
        raise NotFound("Record not found")
    return json_response(rendered[0])


@routes.post(r"/api/v1/notifications/{id:\d+}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:notifications")
    await notifications.dismiss_notification(
        ctx(request), account, parse_id(request.match_info["id"])
    )
    return json_response({})


@routes.post("/api/v1/notifications/dismiss")
@documented(body=DismissForm)
async def dismiss_legacy(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:notifications")
    form = validate(DismissForm, await params(request))
    await notifications.dismiss_notification(ctx(request), account, form.id)
    return json_response({})


@routes.post("/api/v1/notifications/clear")
async def clear(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:notifications")
    await notifications.clear_notifications(ctx(request), account)
    return json_response({})
