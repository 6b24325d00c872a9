"""`/api/v2/filters` (filters, their keywords and statuses) and `/api/v1/filters` (each keyword
seen as a filter), as Mastodon serves them. A keyword or filtered status by id is at Mastodon's
`/api/v2/filters/keywords/:id` and `/api/v2/filters/statuses/:id`, and also at
`/api/v2/filter_keywords/:id` and `/api/v2/filter_statuses/:id`."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import filters
from chirp.core.errors import InvalidInput
from chirp.handlers.common import authenticate_user, ctx, json_response, params, parse_id, validate
from chirp.handlers.forms import FormBool, Id, StrList, nest_brackets
from chirp.handlers.openapi import documented
from chirp.serializers.filters import (
    filter_json,
    filter_keyword_json,
    filter_status_json,
    v1_filter_json,
)

routes = web.RouteTableDef()

READ, WRITE = "read:filters", "write:filters"


class KeywordAttributes(BaseModel):
    id: Id | None = None
    keyword: str | None = Field(default=None, max_length=filters.MAX_KEYWORD_LENGTH * 2)
    whole_word: FormBool | None = None
    destroy: FormBool = Field(default=False, alias="_destroy")


class FilterForm(BaseModel):
    title: str | None = Field(default=None, max_length=filters.MAX_TITLE_LENGTH * 2)
    context: StrList | None = None
    filter_action: str | None = Field(default=None, max_length=16)
    expires_in: str | int | None = None
    keywords_attributes: list[KeywordAttributes] = Field(
        default_factory=list, max_length=filters.MAX_KEYWORDS
    )


class KeywordForm(BaseModel):
    keyword: str | None = Field(default=None, max_length=filters.MAX_KEYWORD_LENGTH * 2)
    whole_word: FormBool | None = None


class FilterStatusForm(BaseModel):
    status_id: Id


class V1FilterForm(BaseModel):
    phrase: str | None = Field(default=None, max_length=filters.MAX_KEYWORD_LENGTH * 2)
    context: StrList | None = None
    irreversible: FormBool | None = None
    whole_word: FormBool | None = None
    expires_in: str | int | None = None


def _keyword_rows(data: dict[str, Any]) -> list[Any]:
    """`keywords_attributes` as JSON (a list, or an object by index) or a form: Rails'
    `keywords_attributes[][keyword]` (zipped by position) or `keywords_attributes[0][keyword]`."""
    flat = {k: v for k, v in data.items() if k.startswith("keywords_attributes[][")}
    if flat:
        names = {k[len("keywords_attributes[][") : -1]: v for k, v in flat.items()}
        lists = {n: v if isinstance(v, list) else [v] for n, v in names.items()}
        size = max(len(v) for v in lists.values())
        return [{n: v[i] for n, v in lists.items() if i < len(v)} for i in range(size)]
    rows = nest_brackets(data).get("keywords_attributes", [])
    if isinstance(rows, dict):
        rows = [rows[k] for k in sorted(rows, key=lambda k: (len(k), k))]
    if not isinstance(rows, list):
        raise InvalidInput("Validation failed: keywords_attributes must be a list")
    return rows


def _expiry(fields: set[str], expires_in: str | int | None) -> tuple[int | None, bool]:
    if "expires_in" not in fields:
        return None, False
    if expires_in is None or (isinstance(expires_in, str) and not expires_in.strip()):
        return None, True
    try:
        return int(expires_in), True
    except ValueError:
        raise InvalidInput("Validation failed: expires_in must be a number of seconds") from None


async def _filter_form(request: web.Request) -> filters.FilterDraft:
    data = await params(request)
    keyword_rows = _keyword_rows(data)
    plain = {k: v for k, v in data.items() if not k.startswith("keywords_attributes")}
    form = validate(FilterForm, {**plain, "keywords_attributes": keyword_rows})
    expires_in, set_expiry = _expiry(form.model_fields_set, form.expires_in)
    return filters.FilterDraft(
        title=form.title,
        context=form.context,
        action=form.filter_action,
        expires_in=expires_in,
        set_expiry=set_expiry,
        keywords=[
            filters.KeywordChange(
                id=k.id, keyword=k.keyword, whole_word=k.whole_word, destroy=k.destroy
            )
            for k in form.keywords_attributes
        ],
    )


def _id(request: web.Request, name: str = "id") -> int:
    return parse_id(request.match_info[name])


# -- v2 ----------------------------------------------------------------------------------------


@routes.get("/api/v2/filters")
async def list_filters(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, READ)
    found = await filters.list_filters(ctx(request), account)
    return json_response([filter_json(f) for f in found])


@routes.post("/api/v2/filters")
@documented(body=FilterForm)
async def create_filter(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    draft = await _filter_form(request)
    if draft.title is None or draft.context is None:
        raise InvalidInput(
            "Validation failed: "
            + ("Title can't be blank" if draft.title is None else "Context can't be blank")
        )
    created = await filters.create_filter(ctx(request), account, draft)
    return json_response(filter_json(created))


@routes.get(r"/api/v2/filters/{id}")
async def show_filter(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, READ)
    return json_response(filter_json(await filters.get_filter(ctx(request), account, _id(request))))


@routes.put(r"/api/v2/filters/{id}")
@documented(body=FilterForm)
async def update_filter(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    draft = await _filter_form(request)
    saved = await filters.update_filter(ctx(request), account, _id(request), draft)
    return json_response(filter_json(saved))


@routes.delete(r"/api/v2/filters/{id}")
async def remove_filter(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    await filters.remove_filter(ctx(request), account, _id(request))
    return json_response({})


@routes.get(r"/api/v2/filters/{id}/keywords")
async def list_keywords(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, READ)
    found = await filters.get_filter(ctx(request), account, _id(request))
    return json_response([filter_keyword_json(k) for k in found.keywords])


@routes.post(r"/api/v2/filters/{id}/keywords")
@documented(body=KeywordForm)
async def add_keyword(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    form = validate(KeywordForm, await params(request))
    added = await filters.add_filter_keyword(
        ctx(request),
        account,
        _id(request),
        form.keyword,
        True if form.whole_word is None else form.whole_word,
    )
    return json_response(filter_keyword_json(added))


@routes.get(r"/api/v2/filters/keywords/{id}")
@routes.get(r"/api/v2/filter_keywords/{id}")
async def show_keyword(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, READ)
    _, keyword = await filters.get_filter_keyword(ctx(request), account, _id(request))
    return json_response(filter_keyword_json(keyword))


@routes.put(r"/api/v2/filters/keywords/{id}")
@routes.put(r"/api/v2/filter_keywords/{id}")
@documented(body=KeywordForm)
async def update_keyword(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    form = validate(KeywordForm, await params(request))
    saved = await filters.update_filter_keyword(
        ctx(request), account, _id(request), form.keyword, form.whole_word
    )
    return json_response(filter_keyword_json(saved))


@routes.delete(r"/api/v2/filters/keywords/{id}")
@routes.delete(r"/api/v2/filter_keywords/{id}")
async def remove_keyword(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    await filters.remove_filter_keyword(ctx(request), account, _id(request))
    return json_response({})


@routes.get(r"/api/v2/filters/{id}/statuses")
async def list_filter_statuses(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, READ)
    found = await filters.get_filter(ctx(request), account, _id(request))
    return json_response([filter_status_json(s) for s in found.statuses])


@routes.post(r"/api/v2/filters/{id}/statuses")
@documented(body=FilterStatusForm)
async def add_filter_status(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    form = validate(FilterStatusForm, await params(request))
    added = await filters.add_filter_status(ctx(request), account, _id(request), form.status_id)
    return json_response(filter_status_json(added))


@routes.get(r"/api/v2/filters/statuses/{id}")
@routes.get(r"/api/v2/filter_statuses/{id}")
async def show_filter_status(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, READ)
    _, found = await filters.get_filter_status(ctx(request), account, _id(request))
    return json_response(filter_status_json(found))


@routes.delete(r"/api/v2/filters/statuses/{id}")
@routes.delete(r"/api/v2/filter_statuses/{id}")
async def remove_filter_status(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    await filters.remove_filter_status(ctx(request), account, _id(request))
    return json_response({})


# -- v1 ----------------------------------------------------------------------------------------


async def _v1_form(request: web.Request) -> filters.V1Draft:
    form = validate(V1FilterForm, await params(request))
    expires_in, set_expiry = _expiry(form.model_fields_set, form.expires_in)
    return filters.V1Draft(
        phrase=form.phrase,
        context=form.context,
        irreversible=form.irreversible,
        whole_word=form.whole_word,
        expires_in=expires_in,
        set_expiry=set_expiry,
    )


@routes.get("/api/v1/filters")
async def list_v1_filters(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, READ)
    found = await filters.list_v1_filters(ctx(request), account)
    return json_response([v1_filter_json(f, k) for f, k in found])


@routes.post("/api/v1/filters")
@documented(body=V1FilterForm)
async def create_v1_filter(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    draft = await _v1_form(request)
    if draft.context is None:
        raise InvalidInput("Validation failed: Context can't be blank")
    found, keyword = await filters.create_v1_filter(ctx(request), account, draft)
    return json_response(v1_filter_json(found, keyword))


@routes.get(r"/api/v1/filters/{id}")
async def show_v1_filter(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, READ)
    found, keyword = await filters.get_filter_keyword(ctx(request), account, _id(request))
    return json_response(v1_filter_json(found, keyword))


@routes.put(r"/api/v1/filters/{id}")
@documented(body=V1FilterForm)
async def update_v1_filter(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    draft = await _v1_form(request)
    found, keyword = await filters.update_v1_filter(ctx(request), account, _id(request), draft)
    return json_response(v1_filter_json(found, keyword))


@routes.delete(r"/api/v1/filters/{id}")
async def remove_v1_filter(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, WRITE)
    await filters.remove_v1_filter(ctx(request), account, _id(request))
    return json_response({})
