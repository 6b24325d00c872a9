"""`/api/v1/accounts`: sign-up, own credentials, profiles and lookup."""

from __future__ import annotations

import shutil
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel, Field, StrictBool, field_validator

from chirp.core import accounts, follows, oauth, profiles
from chirp.core.emojis import current_emojis
from chirp.core.models import Account
from chirp.handlers.common import (
    authenticate,
    authenticate_user,
    bearer_token,
    ctx,
    form_params,
    json_response,
    optional_principal,
    params,
    parse_id,
    query_params,
    validate,
)
from chirp.handlers.forms import IdList, nest_brackets
from chirp.handlers.openapi import documented
from chirp.handlers.uploads import receive_form
from chirp.serializers.accounts import account_json, credential_account_json
from chirp.serializers.oauth import token_json
from chirp.serializers.relationships import relationship_json
from chirp.serializers.roles import account_roles_json

routes = web.RouteTableDef()

PICTURES = ("avatar", "header")
ACCOUNTS_BATCH_MAX = 40  # Mastodon's limit of `GET /api/v1/accounts?id[]=`
NOTE_COMMENT_MAX = 2000  # Mastodon's `AccountNote` limit


def _form_bool(value: object) -> object:
    """Form encodings send booleans as strings; accept what Rails accepts."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "on", "yes"):
            return True
        if lowered in ("0", "false", "off", "no", ""):
            return False
    return value


class SignUpForm(BaseModel):
    username: str = Field("", max_length=1000)
    email: str = Field("", max_length=1000)
    password: str = Field("", max_length=1000)
    agreement: StrictBool = False
    locale: str = Field("en", max_length=16)
    reason: str | None = Field(None, max_length=1000)
    date_of_birth: str | None = Field(None, max_length=32)

    _bool = field_validator("agreement", mode="before")(_form_bool)


def _index_order(key: str) -> tuple[int, int, str]:
    """Numbered keys in number order, then any others by name."""
    return (0, int(key), "") if key.isascii() and key.isdigit() else (1, 0, key)


class FieldAttributes(BaseModel):
    name: str = Field("", max_length=10_000)
    value: str = Field("", max_length=10_000)


class SourceForm(BaseModel):
    privacy: str | None = Field(None, max_length=20)
    sensitive: StrictBool | None = None
    language: str | None = Field(None, max_length=16)

    _bool = field_validator("sensitive", mode="before")(_form_bool)


class UpdateCredentialsForm(BaseModel):
    display_name: str | None = Field(None, max_length=10_000)
    note: str | None = Field(None, max_length=10_000)
    locked: StrictBool | None = None
    bot: StrictBool | None = None
    discoverable: StrictBool | None = None
    # `fields_attributes[0][name]` (forms) or a list of {name, value} (JSON), as Mastodon reads.
    fields_attributes: dict[str, FieldAttributes] | list[FieldAttributes] | None = Field(
        None, max_length=50
    )
    source: SourceForm | None = None

    _bool = field_validator("locked", "bot", "discoverable", mode="before")(_form_bool)

    def field_pairs(self) -> list[tuple[str, str]] | None:
        given = self.fields_attributes
        if given is None:
            return None
        if isinstance(given, dict):  # in index order ("0", "1", ...), as Rails sorts them
            given = [given[k] for k in sorted(given, key=_index_order)]
        return [(f.name, f.value) for f in given]


class AccountsQuery(BaseModel):
    id: IdList = Field(default_factory=list, max_length=ACCOUNTS_BATCH_MAX)


class NoteForm(BaseModel):
    comment: str | None = Field(None, max_length=NOTE_COMMENT_MAX)


class LookupQuery(BaseModel):
    acct: str = Field(min_length=1, max_length=500)


@routes.post("/api/v1/accounts")
@documented(body=SignUpForm)
async def sign_up(request: web.Request) -> web.Response:
    principal = await authenticate(request, "write:accounts")
    form = validate(SignUpForm, await params(request))
    context = ctx(request)
    account = await accounts.register_account(
        context,
        principal.app,
        accounts.SignUp(
            username=form.username,
            email=form.email,
            password=form.password,
            agreement=form.agreement,
            locale=form.locale,
            reason=form.reason or "",
        ),
    )
    issued = await oauth.issue_token_for_account(
        context, principal.app, account, principal.token.scopes
    )
    return json_response(token_json(issued))


async def credential_account_response(request: web.Request, account: Account) -> web.Response:
    context = ctx(request)
    source = await accounts.get_source(context, account)
    emojis = await current_emojis(context)
    return json_response(credential_account_json(account, source, context.settings, emojis))


@routes.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:accounts", "profile")
    return await credential_account_response(request, account)


async def _profile_update(request: web.Request) -> profiles.ProfileUpdate:
    """The form (JSON, urlencoded, or multipart with `avatar`/`header` files) as a use case's
    input; files are on disk under the update's `workdir`."""
    images: dict[str, Path] = {}
    workdir = None
    if request.content_type == "multipart/form-data":
        texts, images, workdir = await receive_form(request, ctx(request).settings, PICTURES)
        data = {**query_params(request), **form_params(texts)}
    else:
        data = await params(request)
    try:
        form = validate(UpdateCredentialsForm, nest_brackets(data))
    except BaseException:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        raise
    source = form.source or SourceForm()
    return profiles.ProfileUpdate(
        display_name=form.display_name,
        note=form.note,
        locked=form.locked,
        bot=form.bot,
        discoverable=form.discoverable,
        fields=form.field_pairs(),
        privacy=source.privacy,
        sensitive=source.sensitive,
        language=source.language,
        images=images,
        workdir=workdir,
    )


@routes.patch("/api/v1/accounts/update_credentials")
@documented(body=UpdateCredentialsForm, files=PICTURES)
async def update_credentials(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:accounts")
    update = await _profile_update(request)
    updated = await profiles.update_credentials(ctx(request), account, update)
    return await credential_account_response(request, updated)


@routes.get("/api/v1/accounts")
@documented(query=AccountsQuery)
async def batch(request: web.Request) -> web.Response:
    """Several accounts by id (unknown ids are skipped), as Mastodon 4.3's `GET /api/v1/accounts`."""
    if bearer_token(request) is not None:
        await authenticate(request, "read:accounts")
    query = validate(AccountsQuery, {"id": query_params(request).get("id", [])})
    context = ctx(request)
    found = await accounts.get_accounts(context, query.id)
    emojis = await current_emojis(context)
    return json_response([account_json(a, context.settings, emojis) for a in found])


@routes.get("/api/v1/accounts/lookup")
@documented(query=LookupQuery)
async def lookup(request: web.Request) -> web.Response:
    await optional_principal(request)
    query = validate(LookupQuery, query_params(request))
    context = ctx(request)
    account = await accounts.lookup_account(context, query.acct)
    roles = account_roles_json(await accounts.role_of(context, account.id))
    return json_response(
        account_json(account, context.settings, await current_emojis(context), roles)
    )


@routes.get(r"/api/v1/accounts/{id:\d+}")
async def show(request: web.Request) -> web.Response:
    await optional_principal(request)
    context = ctx(request)
    account = await accounts.get_account(context, parse_id(request.match_info["id"]))
    roles = account_roles_json(await accounts.role_of(context, account.id))
    return json_response(
        account_json(account, context.settings, await current_emojis(context), roles)
    )


@routes.post(r"/api/v1/accounts/{id:\d+}/note")
@documented(body=NoteForm)
async def note(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:accounts")
    target = parse_id(request.match_info["id"])
    form = validate(NoteForm, await params(request))
    relation = await follows.set_account_note(ctx(request), account, target, form.comment or "")
    return json_response(relationship_json(target, relation))
