"""`/oauth/*`: authorize (login and consent page), token, revoke, and server metadata."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import oauth
from chirp.core.errors import ChirpError, OAuthError
from chirp.handlers.common import body_params, ctx, json_response, query_params, validate
from chirp.handlers.openapi import documented
from chirp.handlers.pages import code_page, consent_page, error_page
from chirp.serializers.instance import oauth_server_metadata
from chirp.serializers.oauth import token_json

routes = web.RouteTableDef()

# Token responses carry secrets: never cache them (RFC 6749 §5.1).
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# The consent page must not be framed (clickjacking) nor load anything foreign. It has no
# `form-action` (as Mastodon's has none): browsers apply that to the redirects after a form is
# sent, and approving must lead to the client's registered `redirect_uri`, on another origin.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class TokenForm(BaseModel):
    grant_type: str = Field("", max_length=100)
    client_id: str | None = Field(None, max_length=200)
    client_secret: str | None = Field(None, max_length=200)
    scope: str | None = Field(None, max_length=2000)
    username: str | None = Field(None, max_length=1000)
    password: str | None = Field(None, max_length=1000)
    code: str | None = Field(None, max_length=200)
    redirect_uri: str | None = Field(None, max_length=2000)
    code_verifier: str | None = Field(None, max_length=200)
    refresh_token: str | None = Field(None, max_length=200)


class RevokeForm(BaseModel):
    client_id: str | None = Field(None, max_length=200)
    client_secret: str | None = Field(None, max_length=200)
    token: str = Field(max_length=200)


class AuthorizeQuery(BaseModel):
    client_id: str | None = Field(None, max_length=200)
    redirect_uri: str | None = Field(None, max_length=2000)
    response_type: str | None = Field(None, max_length=50)
    scope: str | None = Field(None, max_length=2000)
    state: str | None = Field(None, max_length=2000)
    code_challenge: str | None = Field(None, max_length=200)
    code_challenge_method: str | None = Field(None, max_length=20)


class AuthorizeForm(AuthorizeQuery):
    login: str = Field("", max_length=1000)
    password: str = Field("", max_length=1000)
    decision: str = Field("approve", max_length=20)


def _basic_credentials(request: web.Request) -> tuple[str | None, str | None]:
    """client_secret_basic (RFC 6749 §2.3.1): form-urlencoded id and secret in a Basic header."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None, None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


def _required(value: str | None, name: str) -> str:
    if not value:
        raise OAuthError("invalid_request", f"Missing required parameter: {name}.")
    return value


@routes.post("/oauth/token")
@documented(body=TokenForm)
async def token(request: web.Request) -> web.Response:
    form = validate(TokenForm, {**query_params(request), **(await body_params(request))})
    basic_id, basic_secret = _basic_credentials(request)
    context = ctx(request)
    app = await oauth.authenticate_client(
        context, basic_id or form.client_id, basic_secret or form.client_secret
    )
    match form.grant_type:
        case "password":
            issued = await oauth.grant_password(
                context,
                app,
                _required(form.username, "username"),
                _required(form.password, "password"),
                form.scope,
            )
        case "authorization_code":
            issued = await oauth.grant_authorization_code(
                context, app, _required(form.code, "code"), form.redirect_uri, form.code_verifier
            )
        case "client_credentials":
            issued = await oauth.grant_client_credentials(context, app, form.scope)
        case "refresh_token":
            issued = await oauth.grant_refresh_token(
                context, app, _required(form.refresh_token, "refresh_token"), form.scope
            )
        case "":
            raise OAuthError("invalid_request", "Missing required parameter: grant_type.")
        case _:
            raise OAuthError(
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            )
    return json_response(token_json(issued), headers=_NO_STORE)


@routes.post("/oauth/revoke")
@documented(body=RevokeForm)
async def revoke(request: web.Request) -> web.Response:
    form = validate(RevokeForm, await body_params(request))
    basic_id, basic_secret = _basic_credentials(request)
    context = ctx(request)
    app = await oauth.authenticate_client(
        context, basic_id or form.client_id, basic_secret or form.client_secret
    )
    await oauth.revoke_token(context, app, form.token)
    return json_response({})


def _wants_html(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", headers=_PAGE_HEADERS)


def _with_query(uri: str, extra: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _checked_request(
    request: web.Request, form: AuthorizeQuery
) -> oauth.AuthorizationRequest:
    return await oauth.check_authorization_request(
        ctx(request),
        client_id=form.client_id,
        redirect_uri=form.redirect_uri,
        response_type=form.response_type,
        scope=form.scope,
        state=form.state,
        code_challenge=form.code_challenge,
        code_challenge_method=form.code_challenge_method,
    )


@routes.get("/oauth/authorize")
@documented(query=AuthorizeQuery, produces="text/html")
async def authorize_page(request: web.Request) -> web.Response:
    try:
        checked = await _checked_request(request, validate(AuthorizeQuery, query_params(request)))
    except ChirpError as error:
        if not _wants_html(request):
            raise
        return _html(error_page("Authorization failed", error.message), error.status)
    return _html(consent_page(checked))


@routes.post("/oauth/authorize")
@documented(body=AuthorizeForm, produces="text/html")
async def authorize(request: web.Request) -> web.StreamResponse:
    form = validate(AuthorizeForm, await body_params(request))
    try:
        checked = await _checked_request(request, form)
    except ChirpError as error:
        if not _wants_html(request):
            raise
        return _html(error_page("Authorization failed", error.message), error.status)
    state = {"state": checked.state} if checked.state else {}
    if form.decision != "approve":
        if checked.redirect_uri == oauth.OOB_REDIRECT:
            return _html(error_page("Authorization denied", "You denied the request."), 403)
        denied = _with_query(checked.redirect_uri, {"error": "access_denied", **state})
        raise web.HTTPFound(denied, headers=_PAGE_HEADERS)
    try:
        code = await oauth.approve_authorization(ctx(request), checked, form.login, form.password)
    except ChirpError as error:
        if not _wants_html(request):
            raise
        return _html(consent_page(checked, error=error.message, login=form.login), error.status)
    if checked.redirect_uri == oauth.OOB_REDIRECT:
        return _html(code_page(code))
    raise web.HTTPFound(
        _with_query(checked.redirect_uri, {"code": code, **state}), headers=_PAGE_HEADERS
    )


@routes.get("/.well-known/oauth-authorization-server")
async def server_metadata(request: web.Request) -> web.Response:
    return json_response(oauth_server_metadata(ctx(request).settings))
