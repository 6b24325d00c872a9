"""`/api/v1/accounts`: sign-up, own credentials, profiles and lookup."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field, StrictBool, field_validator

from chirp.core import accounts, oauth
from chirp.core.emojis import current_emojis
from chirp.handlers.common import (
    authenticate,
    authenticate_user,
    ctx,
    json_response,
    optional_principal,
    params,
    parse_id,
    query_params,
    validate,
)
from chirp.serializers.accounts import account_json, credential_account_json
from chirp.serializers.oauth import token_json

routes = web.RouteTableDef()


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


class UpdateCredentialsForm(BaseModel):
    display_name: str | None = Field(None, max_length=10_000)
    note: str | None = Field(None, max_length=10_000)
    locked: StrictBool | None = None
    bot: StrictBool | None = None
    discoverable: StrictBool | None = None

    _bool = field_validator("locked", "bot", "discoverable", mode="before")(_form_bool)


class LookupQuery(BaseModel):
    acct: str = Field(min_length=1, max_length=500)


@routes.post("/api/v1/accounts")
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
        ),
    )
    issued = await oauth.issue_token_for_account(
        context, principal.app, account, principal.token.scopes
    )
    return json_response(token_json(issued))


@routes.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "read:accounts", "profile")
    context = ctx(request)
    credentials = await accounts.get_credentials(context, account)
    return json_response(
        credential_account_json(
            account, credentials, context.settings, await current_emojis(context)
        )
    )


@routes.patch("/api/v1/accounts/update_credentials")
async def update_credentials(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:accounts")
    form = validate(UpdateCredentialsForm, await params(request))
    context = ctx(request)
    updated = await accounts.update_profile(
        context,
        account,
        display_name=form.display_name,
        note=form.note,
        locked=form.locked,
        bot=form.bot,
        discoverable=form.discoverable,
    )
    credentials = await accounts.get_credentials(context, updated)
    return json_response(
        credential_account_json(
            updated, credentials, context.settings, await current_emojis(context)
        )
    )


@routes.get("/api/v1/accounts/lookup")
async def lookup(request: web.Request) -> web.Response:
    await optional_principal(request)
    query = validate(LookupQuery, query_params(request))
    context = ctx(request)
    account = await accounts.lookup_account(context, query.acct)
    return json_response(account_json(account, context.settings, await current_emojis(context)))


@routes.get(r"/api/v1/accounts/{id:\d+}")
async def show(request: web.Request) -> web.Response:
    await optional_principal(request)
    context = ctx(request)
    account = await accounts.get_account(context, parse_id(request.match_info["id"]))
    return json_response(account_json(account, context.settings, await current_emojis(context)))
