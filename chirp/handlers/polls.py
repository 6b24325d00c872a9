"""`/api/v1/polls`: read a poll (its tweet's visibility applies) and vote in it."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import polls
from chirp.core.emojis import current_emojis
from chirp.core.models import Poll
from chirp.core.oauth import require_scope
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    optional_principal,
    params,
    parse_id,
    validate,
)
from chirp.handlers.forms import IntList
from chirp.handlers.openapi import documented
from chirp.serializers.polls import poll_json

routes = web.RouteTableDef()


class VoteForm(BaseModel):
    choices: IntList = Field(default_factory=list, max_length=polls.MAX_OPTIONS)


async def _render(request: web.Request, poll: Poll, viewer_id: int | None) -> web.Response:
    context = ctx(request)
    own = await context.store.get_own_votes(viewer_id, [poll.id]) if viewer_id else {}
    return json_response(
        poll_json(
            poll,
            context.now(),
            await current_emojis(context),
            viewer_id=viewer_id,
            own_votes=own.get(poll.id, ()),
        )
    )


@routes.get(r"/api/v1/polls/{id}")
async def show_poll(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    if principal is not None:  # a token, if sent, must be allowed to read tweets (as Mastodon)
        require_scope(principal, "read:statuses")
    viewer = principal.account.id if principal and principal.account else None
    poll = await polls.get_poll(ctx(request), viewer, parse_id(request.match_info["id"]))
    return await _render(request, poll, viewer)


@routes.post(r"/api/v1/polls/{id}/votes")
@documented(body=VoteForm)
async def vote(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:statuses")
    form = validate(VoteForm, await params(request))
    poll = await polls.vote_in_poll(
        ctx(request), account, parse_id(request.match_info["id"]), form.choices
    )
    return await _render(request, poll, account.id)
