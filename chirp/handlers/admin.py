"""Mastodon's admin API for staff (roles `moderator`, `admin`, `owner`): accounts (list,
show, approve/reject sign-ups, actions and their undoing) and reports (list, show, assign,
resolve, reopen). Staff scopes are asked for by name (`admin:read:accounts`, ...)."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import account_deletion, moderation
from chirp.core.models import Account, Report
from chirp.core.ports.moderation import AdminAccountFilter
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    params,
    parse_id,
    query_params,
    validate,
)
from chirp.handlers.forms import FormBool, IdList, OptionalId
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.handlers.rendering import serializer_for
from chirp.serializers.moderation import admin_account_json, admin_report_json

routes = web.RouteTableDef()

READ_ACCOUNTS = ("admin:read", "admin:read:accounts")
WRITE_ACCOUNTS = ("admin:write", "admin:write:accounts")
READ_REPORTS = ("admin:read", "admin:read:reports")
WRITE_REPORTS = ("admin:write", "admin:write:reports")
_ACCOUNT = r"/api/v1/admin/accounts/{id:\d+}"
_REPORT = r"/api/v1/admin/reports/{id:\d+}"


class AccountsV1Query(BaseModel):
    local: FormBool = False
    remote: FormBool = False
    active: FormBool = False
    pending: FormBool = False
    disabled: FormBool = False
    silenced: FormBool = False
    suspended: FormBool = False
    staff: FormBool = False
    username: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=300)


class AccountsV2Query(BaseModel):
    origin: Literal["local", "remote"] | None = None
    status: Literal["active", "pending", "disabled", "silenced", "suspended"] | None = None
    permissions: Literal["staff"] | None = None
    username: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=300)


class ActionForm(BaseModel):
    type: Literal["none", "sensitive", "disable", "silence", "suspend"] = "none"
    report_id: OptionalId = None
    warning_preset_id: str | None = Field(None, max_length=40)
    text: str = Field("", max_length=moderation.WARNING_MAX)
    send_email_notification: FormBool = False


class ReportUpdateForm(BaseModel):
    category: Literal["spam", "legal", "violation", "other"] | None = None
    rule_ids: IdList = Field(default_factory=list, max_length=100)


class ReportsQuery(BaseModel):
    resolved: FormBool = False
    account_id: OptionalId = None
    target_account_id: OptionalId = None


async def _render_accounts(request: web.Request, accounts: list[Account]) -> list[dict[str, Any]]:
    context = ctx(request)
    views = await moderation.admin_views(context, accounts)
    return [
        admin_account_json(v.account, v.moderation, v.credentials, context.settings)
        for v in (views[a.id] for a in accounts)
    ]


async def _list_accounts(
    request: web.Request, filters: AdminAccountFilter, remote: bool
) -> web.Response:
    _, staff = await authenticate_user(request, *READ_ACCOUNTS)
    page = parse_page(request, default=100, maximum=200)
    found: list[Account] = []
    if remote:  # every account here is local
        await moderation.require_staff(ctx(request), staff)
    else:
        found = await moderation.list_admin_accounts(ctx(request), staff, filters, page)
    return json_response(
        await _render_accounts(request, found),
        headers=link_header(request, [a.id for a in found]),
    )


@routes.get("/api/v1/admin/accounts")
@documented(query=(AccountsV1Query, PageQuery))
async def list_accounts_v1(request: web.Request) -> web.Response:
    q = validate(AccountsV1Query, query_params(request))
    status = next(
        (s for s in moderation.ADMIN_STATUSES if getattr(q, s)),
        None,
    )
    filters = AdminAccountFilter(status=status, username=q.username, email=q.email, staff=q.staff)
    return await _list_accounts(request, filters, remote=q.remote and not q.local)


@routes.get("/api/v2/admin/accounts")
@documented(query=(AccountsV2Query, PageQuery))
async def list_accounts_v2(request: web.Request) -> web.Response:
    q = validate(AccountsV2Query, query_params(request))
    filters = AdminAccountFilter(
        status=q.status, username=q.username, email=q.email, staff=q.permissions == "staff"
    )
    return await _list_accounts(request, filters, remote=q.origin == "remote")


@routes.get(_ACCOUNT)
async def show_account(request: web.Request) -> web.Response:
    _, staff = await authenticate_user(request, *READ_ACCOUNTS)
    found = await moderation.get_admin_account(
        ctx(request), staff, parse_id(request.match_info["id"])
    )
    return json_response((await _render_accounts(request, [found]))[0])


async def _changed_account(request: web.Request, target_id: int) -> web.Response:
    found = await moderation.get_admin_account(ctx(request), await _staff(request), target_id)
    return json_response((await _render_accounts(request, [found]))[0])


async def _staff(request: web.Request) -> Account:
    _, staff = await authenticate_user(request, *WRITE_ACCOUNTS)
    return staff


@routes.delete(_ACCOUNT)
async def delete_account(request: web.Request) -> web.Response:
    """Delete a suspended account's data (in the background); answers the account as it was."""
    staff = await _staff(request)
    target = parse_id(request.match_info["id"])
    found = await moderation.get_admin_account(ctx(request), staff, target)
    rendered = (await _render_accounts(request, [found]))[0]
    await account_deletion.delete_account_data(ctx(request), staff, target)
    return json_response(rendered)


@routes.post(_ACCOUNT + "/approve")
async def approve(request: web.Request) -> web.Response:
    staff = await _staff(request)
    target = parse_id(request.match_info["id"])
    await moderation.approve_account(ctx(request), staff, target)
    return await _changed_account(request, target)


@routes.post(_ACCOUNT + "/reject")
async def reject(request: web.Request) -> web.Response:
    staff = await _staff(request)
    target = parse_id(request.match_info["id"])
    await moderation.reject_account(ctx(request), staff, target)
    return await _changed_account(request, target)


@routes.post(_ACCOUNT + "/action")
@documented(body=ActionForm)
async def act(request: web.Request) -> web.Response:
    staff = await _staff(request)
    form = validate(ActionForm, await params(request))
    await moderation.act_on_account(
        ctx(request),
        staff,
        parse_id(request.match_info["id"]),
        form.type,
        report_id=form.report_id,
        text=form.text,
    )
    return json_response({})


async def _undo(request: web.Request, action: str) -> web.Response:
    staff = await _staff(request)
    target = parse_id(request.match_info["id"])
    await moderation.undo_action(ctx(request), staff, target, action)
    return await _changed_account(request, target)


@routes.post(_ACCOUNT + "/enable")
async def enable(request: web.Request) -> web.Response:
    return await _undo(request, "enable")


@routes.post(_ACCOUNT + "/unsilence")
async def unsilence(request: web.Request) -> web.Response:
    return await _undo(request, "unsilence")


@routes.post(_ACCOUNT + "/unsuspend")
async def unsuspend(request: web.Request) -> web.Response:
    return await _undo(request, "unsuspend")


@routes.post(_ACCOUNT + "/unsensitive")
async def unsensitive(request: web.Request) -> web.Response:
    return await _undo(request, "unsensitive")


async def _render_reports(
    request: web.Request, staff: Account, found: list[Report]
) -> list[dict[str, Any]]:
    context = ctx(request)
    views = await moderation.report_views(context, found)
    statuses = [s for v in views for s in v.statuses]
    serializer = await serializer_for(request, statuses, staff.id)
    out = []
    for view in views:
        people = {
            a: admin_account_json(p.account, p.moderation, p.credentials, context.settings)
            for a, p in view.people.items()
        }
        rendered = [serializer.status(s) for s in view.statuses]
        out.append(admin_report_json(view.report, people, rendered, context.settings))
    return out


@routes.get("/api/v1/admin/reports")
@documented(query=(ReportsQuery, PageQuery))
async def list_reports(request: web.Request) -> web.Response:
    _, staff = await authenticate_user(request, *READ_REPORTS)
    q = validate(ReportsQuery, query_params(request))
    page = parse_page(request, default=100, maximum=200)
    found = await moderation.list_admin_reports(
        ctx(request),
        staff,
        page,
        resolved=q.resolved,
        account_id=q.account_id,
        target_account_id=q.target_account_id,
    )
    return json_response(
        await _render_reports(request, staff, found),
        headers=link_header(request, [r.id for r in found]),
    )


@routes.get(_REPORT)
async def show_report(request: web.Request) -> web.Response:
    _, staff = await authenticate_user(request, *READ_REPORTS)
    found = await moderation.get_admin_report(
        ctx(request), staff, parse_id(request.match_info["id"])
    )
    return json_response((await _render_reports(request, staff, [found]))[0])


@routes.put(_REPORT)
@documented(body=ReportUpdateForm)
async def update_report(request: web.Request) -> web.Response:
    _, staff = await authenticate_user(request, *WRITE_REPORTS)
    form = validate(ReportUpdateForm, await params(request))
    changed = await moderation.recategorize_report(
        ctx(request), staff, parse_id(request.match_info["id"]), form.category, form.rule_ids
    )
    return json_response((await _render_reports(request, staff, [changed]))[0])


async def _change_report(request: web.Request, change: str) -> web.Response:
    _, staff = await authenticate_user(request, *WRITE_REPORTS)
    changed = await moderation.change_report(
        ctx(request), staff, parse_id(request.match_info["id"]), change
    )
    return json_response((await _render_reports(request, staff, [changed]))[0])


@routes.post(_REPORT + "/assign_to_self")
async def assign_to_self(request: web.Request) -> web.Response:
    return await _change_report(request, "assign_to_self")


@routes.post(_REPORT + "/unassign")
async def unassign(request: web.Request) -> web.Response:
    return await _change_report(request, "unassign")


@routes.post(_REPORT + "/resolve")
async def resolve(request: web.Request) -> web.Response:
    return await _change_report(request, "resolve")


@routes.post(_REPORT + "/reopen")
async def reopen(request: web.Request) -> web.Response:
    return await _change_report(request, "reopen")
