"""`POST /api/v1/reports`: a user reports an account (and some of its tweets) to the moderators."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import reports
from chirp.handlers.common import authenticate_user, ctx, json_response, params, validate
from chirp.handlers.forms import FormBool, Id, IdList
from chirp.handlers.openapi import documented
from chirp.serializers.moderation import report_json

routes = web.RouteTableDef()


class ReportForm(BaseModel):
    account_id: Id
    status_ids: IdList = Field(default_factory=list, max_length=reports.STATUSES_MAX)
    comment: str = Field("", max_length=reports.COMMENT_MAX)
    forward: FormBool = False
    category: str | None = Field(None, max_length=20)
    rule_ids: IdList = Field(default_factory=list, max_length=100)


@routes.post("/api/v1/reports")
@documented(body=ReportForm)
async def file_report(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:reports")
    form = validate(ReportForm, await params(request))
    context = ctx(request)
    report, target = await reports.file_report(
        context,
        account,
        form.account_id,
        status_ids=form.status_ids,
        category=form.category,
        rule_ids=form.rule_ids,
        comment=form.comment,
        forward=form.forward,
    )
    return json_response(report_json(report, target, context.settings))
