"""`/api/v1/apps`: register OAuth clients and check their credentials."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from chirp.core.oauth import register_app
from chirp.handlers.common import authenticate, ctx, json_response, params, validate
from chirp.handlers.openapi import documented
from chirp.serializers.oauth import app_json

routes = web.RouteTableDef()


class CreateAppForm(BaseModel):
    client_name: str = Field(max_length=1000)
    redirect_uris: list[str] = Field(default_factory=list)
    scopes: str | None = Field(None, max_length=2000)
    website: str | None = Field(None, max_length=2000)

    @field_validator("redirect_uris", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        # Mastodon takes one string with URIs separated by newlines, or an array.
        if isinstance(value, str):
            return [uri.strip() for uri in value.splitlines() if uri.strip()]
        return value


def _vapid_key(request: web.Request) -> str | None:
    keys = ctx(request).web_push
    return keys.public_key if keys is not None else None


@routes.post("/api/v1/apps")
@documented(body=CreateAppForm)
async def create_app(request: web.Request) -> web.Response:
    form = validate(CreateAppForm, await params(request))
    registered = await register_app(
        ctx(request),
        name=form.client_name,
        redirect_uris=form.redirect_uris,
        scopes=form.scopes,
        website=form.website,
    )
    return json_response(app_json(registered.app, registered.client_secret, _vapid_key(request)))


@routes.get("/api/v1/apps/verify_credentials")
async def verify_app_credentials(request: web.Request) -> web.Response:
    principal = await authenticate(request)
    return json_response(app_json(principal.app, vapid_key=_vapid_key(request)))
