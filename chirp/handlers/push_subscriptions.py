"""`/api/v1/push/subscription`: the token's Web Push subscription (Mastodon's API): create
(replacing the token's old one), show, change its alerts and policy, delete. Forms come as
Mastodon's nested keys (`subscription[keys][p256dh]`, `data[alerts][mention]`) or as JSON."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import web_push
from chirp.core.errors import NotFound
from chirp.core.models import PushSubscription
from chirp.handlers.common import authenticate, ctx, json_response, params, validate
from chirp.handlers.forms import FormBool, nest_brackets
from chirp.handlers.openapi import documented
from chirp.serializers.web_push import subscription_json

routes = web.RouteTableDef()
PATH = "/api/v1/push/subscription"


class PushKeysForm(BaseModel):
    p256dh: str = Field(max_length=256)
    auth: str = Field(max_length=64)


class EndpointForm(BaseModel):
    endpoint: str = Field(max_length=web_push.ENDPOINT_MAX)
    keys: PushKeysForm
    standard: FormBool = False


class DataForm(BaseModel):
    alerts: dict[str, FormBool] = Field(default_factory=dict, max_length=32)
    policy: str | None = Field(None, max_length=16)


class SubscribeForm(BaseModel):
    subscription: EndpointForm
    data: DataForm = Field(default_factory=DataForm)
    policy: str | None = Field(None, max_length=16)  # where Mastodon.py sends it


class ChangeForm(BaseModel):
    data: DataForm = Field(default_factory=DataForm)
    policy: str | None = Field(None, max_length=16)


def _render(request: web.Request, subscription: PushSubscription) -> web.Response:
    keys = ctx(request).web_push
    if keys is None:  # no VAPID identity: nothing could be pushed
        raise NotFound("Web Push is not available")
    return json_response(subscription_json(subscription, keys.public_key))


@routes.post(PATH)
@documented(body=SubscribeForm)
async def subscribe(request: web.Request) -> web.Response:
    principal = await authenticate(request, "push")
    form = validate(SubscribeForm, nest_brackets(await params(request)))
    created = await web_push.subscribe_to_push(
        ctx(request),
        principal,
        web_push.SubscriptionForm(
            endpoint=form.subscription.endpoint,
            p256dh=form.subscription.keys.p256dh,
            auth=form.subscription.keys.auth,
            standard=form.subscription.standard,
            alerts=form.data.alerts,
            policy=form.data.policy or form.policy,
        ),
    )
    return _render(request, created)


@routes.get(PATH)
async def show(request: web.Request) -> web.Response:
    principal = await authenticate(request, "push")
    return _render(request, await web_push.get_push_subscription(ctx(request), principal))


@routes.put(PATH)
@documented(body=ChangeForm)
async def change(request: web.Request) -> web.Response:
    principal = await authenticate(request, "push")
    form = validate(ChangeForm, nest_brackets(await params(request)))
    changed = await web_push.change_push_subscription(
        ctx(request), principal, form.data.alerts, form.data.policy or form.policy
    )
    return _render(request, changed)


@routes.delete(PATH)
async def unsubscribe(request: web.Request) -> web.Response:
    principal = await authenticate(request, "push")
    await web_push.unsubscribe_from_push(ctx(request), principal)
    return json_response({})
