"""`/api/v1/statuses`: post, read, edit, delete, thread context and engagement on a tweet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field, field_validator, model_validator

from chirp.core import engagement, scheduled_statuses, statuses
from chirp.core.context import Context
from chirp.core.emojis import current_emojis
from chirp.core.errors import InvalidInput
from chirp.core.models import Account, Page, Status
from chirp.core.polls import PollDraft
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
from chirp.handlers.forms import FormBool, IdList, OptionalId, StrList
from chirp.handlers.openapi import documented
from chirp.handlers.paging import PageQuery, link_header, parse_page
from chirp.handlers.rendering import render_status, render_statuses, serializer_for
from chirp.handlers.scheduled_statuses import parse_time, render_scheduled
from chirp.serializers.accounts import account_json
from chirp.serializers.statuses import deleted_status_json, status_edit_json, status_source_json

routes = web.RouteTableDef()

IDEMPOTENCY_KEY_MAX = 200
BATCH_MAX = 20  # ids of `GET /api/v1/statuses`


class PollForm(BaseModel):
    options: StrList = Field(max_length=100)  # the core refuses more than MAX_OPTIONS
    expires_in: int
    multiple: FormBool = False
    hide_totals: FormBool = False


class StatusForm(BaseModel):
    status: str = Field("", max_length=100_000)
    spoiler_text: str = Field("", max_length=10_000)
    sensitive: FormBool | None = None
    visibility: str | None = Field(None, max_length=20)
    language: str | None = Field(None, max_length=16)
    in_reply_to_id: OptionalId = None
    quoted_status_id: OptionalId = None
    media_ids: IdList = Field(default_factory=list)
    poll: PollForm | None = None
    scheduled_at: str | None = Field(None, max_length=64)

    @model_validator(mode="before")
    @classmethod
    def _form_encoded_poll(cls, data: Any) -> Any:
        """Forms send a poll as `poll[options][]`, `poll[expires_in]`...: gather them."""
        if isinstance(data, dict) and "poll" not in data:
            poll = {k[5:].strip("[]"): v for k, v in data.items() if k.startswith("poll[")}
            if poll:
                return {**data, "poll": poll}
        return data


class ReblogForm(BaseModel):
    visibility: str | None = Field(None, max_length=20)


def _draft(form: StatusForm) -> statuses.TweetDraft:
    return statuses.TweetDraft(
        text=form.status,
        spoiler_text=form.spoiler_text,
        sensitive=form.sensitive,
        visibility=form.visibility,
        language=form.language,
        in_reply_to_id=form.in_reply_to_id,
        quoted_status_id=form.quoted_status_id,
        # Sent (even empty): the new set; absent: none on a new tweet, unchanged on an edit.
        media_ids=tuple(form.media_ids) if "media_ids" in form.model_fields_set else None,
        poll=None
        if form.poll is None
        else PollDraft(
            options=tuple(form.poll.options),
            expires_in=form.poll.expires_in,
            multiple=form.poll.multiple,
            hide_totals=form.poll.hide_totals,
        ),
    )


@routes.post("/api/v1/statuses")
@documented(body=StatusForm)
async def post_status(request: web.Request) -> web.Response:
    principal, account = await authenticate_user(request, "write:statuses")
    form = validate(StatusForm, await params(request))
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        raise InvalidInput("Idempotency-Key is too long")
    if form.scheduled_at:
        scheduled = await scheduled_statuses.schedule_tweet(
            ctx(request),
            account,
            _draft(form),
            parse_time(form.scheduled_at),
            application_id=principal.app.id,
            idempotency_key=key,
        )
        return json_response(await render_scheduled(request, scheduled))
    status = await statuses.post_tweet(
        ctx(request), account, _draft(form), application_id=principal.app.id, idempotency_key=key
    )
    return json_response(await render_status(request, status, account.id))


@routes.get(r"/api/v1/statuses/{id}")
async def show_status(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    viewer = principal.account.id if principal and principal.account else None
    status = await statuses.get_tweet(ctx(request), viewer, parse_id(request.match_info["id"]))
    return json_response(await render_status(request, status, viewer, filter_context="thread"))


@routes.put(r"/api/v1/statuses/{id}")
@documented(body=StatusForm)
async def edit_status(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    form = validate(StatusForm, await params(request))
    status = await statuses.edit_tweet(
        ctx(request), account, parse_id(request.match_info["id"]), _draft(form)
    )
    return json_response(await render_status(request, status, account.id))


@routes.delete(r"/api/v1/statuses/{id}")
async def delete_status(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    status_id = parse_id(request.match_info["id"])
    # What the reply shows (poll, media) is read before the delete: the outbox's side effects
    # remove them once the delete commits, possibly before the reply would be built.
    shown = await statuses.get_tweet(ctx(request), account.id, status_id)
    serializer = await serializer_for(request, [shown], account.id)
    status = await statuses.delete_tweet(ctx(request), account, status_id)
    return json_response(deleted_status_json(serializer, status))


@routes.get(r"/api/v1/statuses/{id}/source")
async def status_source(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:statuses")
    status = await statuses.get_tweet(ctx(request), account.id, parse_id(request.match_info["id"]))
    return json_response(status_source_json(status))


@routes.get(r"/api/v1/statuses/{id}/history")
async def status_history(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    viewer = principal.account.id if principal and principal.account else None
    status, edits = await statuses.tweet_history(
        ctx(request), viewer, parse_id(request.match_info["id"])
    )
    serializer = await serializer_for(request, [status], viewer)
    return json_response([status_edit_json(edit, serializer, status) for edit in edits])


@routes.get(r"/api/v1/statuses/{id}/context")
async def status_context(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    viewer = principal.account.id if principal and principal.account else None
    ancestors, descendants = await statuses.thread_context(
        ctx(request), viewer, parse_id(request.match_info["id"])
    )
    serializer = await serializer_for(
        request, [*ancestors, *descendants], viewer, filter_context="thread"
    )
    return json_response(
        {"ancestors": serializer.many(ancestors), "descendants": serializer.many(descendants)}
    )


TweetAction = Callable[[Context, Account, int], Awaitable[Status]]
AccountsPage = Callable[
    [Context, int | None, int, Page], Awaitable[tuple[list[Account], list[int]]]
]


def _action(use_case: TweetAction, scope: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """POST /api/v1/statuses/:id/<action>: authenticate, run the use case, render the tweet."""

    async def handler(request: web.Request) -> web.Response:
        _, account = await authenticate_user(request, scope)
        status = await use_case(ctx(request), account, parse_id(request.match_info["id"]))
        return json_response(await render_status(request, status, account.id))

    return handler


for name, use_case, scope in (
    ("favourite", engagement.like_tweet, "write:favourites"),
    ("unfavourite", engagement.unlike_tweet, "write:favourites"),
    ("unreblog", engagement.unretweet, "write:statuses"),
    ("bookmark", engagement.bookmark_tweet, "write:bookmarks"),
    ("unbookmark", engagement.unbookmark_tweet, "write:bookmarks"),
    ("pin", engagement.pin_tweet, "write:accounts"),
    ("unpin", engagement.unpin_tweet, "write:accounts"),
):
    routes.post(rf"/api/v1/statuses/{{id}}/{name}")(_action(use_case, scope))


@routes.post(r"/api/v1/statuses/{id}/reblog")
@documented(body=ReblogForm)
async def reblog(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    form = validate(ReblogForm, await params(request))
    wrapper = await engagement.retweet(
        ctx(request), account, parse_id(request.match_info["id"]), form.visibility
    )
    return json_response(await render_status(request, wrapper, account.id))


async def _engaged_accounts(request: web.Request, use_case: AccountsPage) -> web.Response:
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


@routes.get(r"/api/v1/statuses/{id}/favourited_by")
@documented(query=PageQuery)
async def favourited_by(request: web.Request) -> web.Response:
    return await _engaged_accounts(request, engagement.favourited_by)


@routes.get(r"/api/v1/statuses/{id}/reblogged_by")
@documented(query=PageQuery)
async def reblogged_by(request: web.Request) -> web.Response:
    return await _engaged_accounts(request, engagement.reblogged_by)


@routes.get("/api/v1/favourites")
@documented(query=PageQuery)
async def favourites(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:favourites")
    page = parse_page(request)
    found, cursors = await engagement.list_favourites(ctx(request), account, page)
    return json_response(
        await render_statuses(request, found, account.id), headers=link_header(request, cursors)
    )


@routes.get("/api/v1/bookmarks")
@documented(query=PageQuery)
async def bookmarks(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:bookmarks")
    page = parse_page(request)
    found, cursors = await engagement.list_bookmarks(ctx(request), account, page)
    return json_response(
        await render_statuses(request, found, account.id), headers=link_header(request, cursors)
    )


class StatusesQuery(BaseModel):
    id: IdList = Field(default_factory=list, max_length=BATCH_MAX)

    @field_validator("id")
    @classmethod
    def _ids_fit_64_bits(cls, ids: list[int]) -> list[int]:
        if any(not 0 < i < 2**63 for i in ids):
            raise ValueError("ids are positive 64-bit integers")
        return ids


@routes.get("/api/v1/statuses")
@documented(query=StatusesQuery)
async def show_statuses(request: web.Request) -> web.Response:
    """Several tweets at once (Mastodon 4.3): those the viewer may see, in the order asked."""
    principal = await optional_principal(request)
    viewer = principal.account.id if principal and principal.account else None
    query = validate(StatusesQuery, {k: v for k, v in query_params(request).items() if k == "id"})
    found = await statuses.get_tweets(ctx(request), viewer, query.id)
    return json_response(await render_statuses(request, found, viewer))
