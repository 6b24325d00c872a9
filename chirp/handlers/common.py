"""Request plumbing shared by handlers: JSON responses, parameter parsing, authentication."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDict, MultiMapping
from pydantic import BaseModel, ValidationError

from chirp.core.context import Context
from chirp.core.errors import ChirpError, InvalidInput, NotAuthenticated, NotFound
from chirp.core.models import Account, Principal
from chirp.core.oauth import authenticate_bearer, require_scope
from chirp.handlers.forms import record_id
from chirp.server.keys import CONTEXT, PRINCIPAL

M = TypeVar("M", bound=BaseModel)


def ctx(request: web.Request) -> Context:
    return request.app[CONTEXT]


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json", headers=headers
    )


class BadRequest(ChirpError):
    status = 400


def _flatten(pairs: MultiMapping[Any]) -> dict[str, Any]:
    """Form/query pairs -> dict; `key[]` and repeated keys become lists, as Rails reads them."""
    out: dict[str, Any] = {}
    for key in pairs:
        if key in out or key.removesuffix("[]") in out:
            continue
        values = [v for v in pairs.getall(key) if isinstance(v, str)]
        if key.endswith("[]"):
            out[key[:-2]] = values
        elif len(values) > 1:
            out[key] = values
        elif values:
            out[key] = values[0]
    return out


async def body_params(request: web.Request) -> dict[str, Any]:
    """The request body as a dict, whatever encoding Mastodon clients use (JSON, form, multipart)."""
    if not request.body_exists:
        return {}
    if request.content_type == "application/json":
        raw = await request.read()
        if not raw.strip():
            return {}
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise BadRequest(f"Malformed JSON body: {error}") from error
        if not isinstance(data, dict):
            raise InvalidInput("The JSON body must be an object")
        return data
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.post()
        # A broken multipart part header surfaces as HttpProcessingError, not ValueError.
        except (ValueError, HttpProcessingError) as error:
            raise BadRequest(f"Malformed form body: {error}") from error
        return _flatten(form)
    if request.content_type in ("", "application/octet-stream", "text/plain"):
        raw = await request.read()
        if raw.strip():
            raise web.HTTPUnsupportedMediaType(text="Send JSON or a form")
        return {}
    raise web.HTTPUnsupportedMediaType(text=f"Unsupported content type {request.content_type}")


def form_params(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form fields read apart from the body (a multipart form with files) as `params` reads them."""
    return _flatten(MultiDict(pairs))


def query_params(request: web.Request) -> dict[str, Any]:
    return _flatten(request.query)


async def params(request: web.Request) -> dict[str, Any]:
    """Query parameters overlaid with body parameters (clients mix both, Mastodon accepts it)."""
    return {**query_params(request), **(await body_params(request))}


def validate(model: type[M], data: dict[str, Any]) -> M:
    """Pydantic validation with a readable 422 naming each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
        )
        raise InvalidInput(f"Validation failed: {problems}") from None


def parse_id(raw: str) -> int:
    """Path ids are positive 64-bit integers; anything else is a record that cannot exist (404,
    as Mastodon answers), where the same id in a body is a 422 (`forms.Id`)."""
    try:
        return record_id(raw)
    except ValueError:
        raise NotFound("Record not found") from None


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def authenticate(request: web.Request, *scopes: str) -> Principal:
    """The request's principal (user or app token) holding one of `scopes`; 401/403 otherwise."""
    token = bearer_token(request)
    if token is None:
        raise NotAuthenticated("The access token is invalid")
    principal = request.get(PRINCIPAL)
    if principal is None:
        principal = await authenticate_bearer(ctx(request), token)
    if scopes:
        require_scope(principal, *scopes)
    return principal


async def authenticate_user(request: web.Request, *scopes: str) -> tuple[Principal, Account]:
    """Like `authenticate`, but the token must belong to a user (not an app-only token)."""
    principal = await authenticate(request, *scopes)
    if principal.account is None:
        raise InvalidInput("This method requires an authenticated user")
    return principal, principal.account


async def optional_principal(request: web.Request) -> Principal | None:
    """For public endpoints: the viewer if a token was sent (an invalid one is still a 401)."""
    if bearer_token(request) is None:
        return None
    return await authenticate(request)
