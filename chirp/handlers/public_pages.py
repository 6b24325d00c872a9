"""Public HTML pages for every URL the API hands out, as an anonymous visitor sees them:

GET /                              what this server is, its figures, who is live, how to connect
GET /@:username                    profile, pinned tweets, tweets (replies left out), `max_id`
GET /@:username/with_replies       the same with replies
GET /@:username/:id                a tweet with the thread around it (a retweet: its original)
GET /tags/:name                    public tweets with a hashtag
GET /users/:username[/statuses/:id] (the `uri`s) redirect to the pages above

Visibility is the API's: the same use cases with no viewer, so what the API would answer 404 to
an anonymous client is a 404 page here. The token a browser might send is never read: the
pages are the same for everyone, and so cacheable by any shared cache for a short while.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web
from yarl import URL

from chirp.core import accounts, instance, live, statuses, tags, timelines
from chirp.core.errors import ChirpError, NotFound
from chirp.core.models import Account, Page, Status
from chirp.core.views import Loaded
from chirp.handlers.common import ctx, parse_id
from chirp.handlers.paging import parse_page
from chirp.handlers.public_html import (
    Tab,
    error_page,
    home_page,
    profile_page,
    status_page,
    tag_page,
)
from chirp.handlers.rendering import serializer_for
from chirp.handlers.watch import NO_SNIFF
from chirp.serializers.live import LiveSerializer
from chirp.serializers.tags import tag_url
from chirp.server.keys import SETTINGS
from chirp.video.playback import playback_origins

routes = web.RouteTableDef()

PAGE_SIZE = 20
PINNED_SHOWN = 5
LIVE_LISTED = 20
# A thread page shows this many replies (depth first, as the API lists them); apps show all.
REPLIES_SHOWN = 200
# Short: a deleted or edited tweet leaves shared caches within a minute.
PAGE_MAX_AGE = 60
HOME_MAX_AGE = 30  # who is live changes fast

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def content_security_policy(media_origins: list[str]) -> str:
    """No scripts at all; the stylesheet from here; pictures and video from here, the media
    store (the CDN) and, for avatars and link previews, any https origin."""
    media = " ".join(media_origins)
    return "; ".join(
        (
            "default-src 'none'",
            "style-src 'self'",
            f"img-src 'self' https: data: {media}",
            f"media-src 'self' https: {media}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def _headers(request: web.Request, cache_control: str) -> dict[str, str]:
    context = ctx(request)
    origins = playback_origins(context.blobs, context.settings) if context.blobs else []
    return {
        "Content-Security-Policy": content_security_policy(origins),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cache-Control": cache_control,
        **NO_SNIFF,
    }


def _html(
    request: web.Request, text: str, *, status: int = 200, max_age: int = PAGE_MAX_AGE
) -> web.Response:
    cache_control = f"public, max-age={max_age}" if status == 200 else "no-cache"
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        headers=_headers(request, cache_control),
    )


def html_errors(handler: Handler) -> Handler:
    """Failures as HTML pages with the right status (the API's JSON errors elsewhere)."""

    @functools.wraps(handler)
    async def page(request: web.Request) -> web.StreamResponse:
        settings = request.app[SETTINGS]
        try:
            return await handler(request)
        except NotFound:
            body = error_page(settings, "Not found", "This page does not exist, or is not public.")
            return _html(request, body, status=404)
        except ChirpError as error:
            return _html(request, error_page(settings, "Bad request", error.message), status=400)

    return page


def _older_url(request: web.Request, cursors: list[int], page: Page) -> str | None:
    """The next page (older) when this one was full: cursors are every row read, hidden ones
    too, so paging never stalls."""
    if len(cursors) < page.limit:
        return None
    return str(URL(request.path).with_query(max_id=str(cursors[-1])))


def _newest_url(request: web.Request) -> str | None:
    return request.path if request.query else None


async def _account(request: web.Request) -> Account:
    return await accounts.lookup_account(ctx(request), request.match_info["username"])


@routes.get("/")
@html_errors
async def home(request: web.Request) -> web.StreamResponse:
    context = ctx(request)
    stats = await instance.instance_stats(context)
    streams, _ = await live.list_live_streams(
        context, None, Page(limit=LIVE_LISTED), following=False
    )
    view = await live.load_view(context, streams)
    rendered = LiveSerializer(view, context.settings).streams(streams)
    body = home_page(context.settings, users=stats.users, posts=stats.statuses, streams=rendered)
    return _html(request, body, max_age=HOME_MAX_AGE)


async def _profile(request: web.Request, *, with_replies: bool) -> web.StreamResponse:
    context = ctx(request)
    account = await _account(request)
    page = parse_page(request, default=PAGE_SIZE, maximum=PAGE_SIZE)
    loaded = Loaded(None)
    found, cursors = await timelines.account_timeline(
        context,
        None,
        account.id,
        page,
        timelines.AccountTimelineOptions(exclude_replies=not with_replies),
        loaded=loaded,
    )
    pinned: list[Status] = []
    first_page = page.max_id is None and page.min_id is None and page.since_id is None
    if first_page and not with_replies:
        pinned, _ = await timelines.account_timeline(
            context,
            None,
            account.id,
            Page(limit=PINNED_SHOWN),
            timelines.AccountTimelineOptions(pinned=True),
        )
    serializer = await serializer_for(
        request, [*pinned, *found], None, account_ids=[account.id], loaded=loaded
    )
    profile = serializer.account(account)
    base = f"/@{quote(account.username)}"
    tabs = (
        Tab("Posts", base, not with_replies),
        Tab("Posts and replies", f"{base}/with_replies", with_replies),
    )
    body = profile_page(
        profile,
        [serializer.status(s) for s in pinned],
        [serializer.status(s) for s in found],
        context.settings,
        api_url=f"{context.settings.base_url}/api/v1/accounts/{account.id}",
        tabs=tabs,
        older_url=_older_url(request, cursors, page),
        newest_url=_newest_url(request),
    )
    return _html(request, body)


@routes.get(r"/@{username}")
@html_errors
async def profile(request: web.Request) -> web.StreamResponse:
    return await _profile(request, with_replies=False)


@routes.get(r"/@{username}/with_replies")
@html_errors
async def profile_with_replies(request: web.Request) -> web.StreamResponse:
    return await _profile(request, with_replies=True)


# After `with_replies`: any other second segment is a tweet id, or a 404 page.
@routes.get(r"/@{username}/{id}")
@html_errors
async def status(request: web.Request) -> web.StreamResponse:
    context = ctx(request)
    account = await _account(request)
    tweet = await statuses.get_tweet(context, None, parse_id(request.match_info["id"]))
    if tweet.account_id != account.id:
        raise NotFound("Record not found")
    if tweet.reblog_of_id is not None:  # a retweet's page is its original's, as on Mastodon
        original = (await serializer_for(request, [tweet], None)).status(tweet)["reblog"]
        raise web.HTTPFound(URL(original["url"]).path)
    ancestors, descendants = await statuses.thread_context(context, None, tweet.id)
    shown = descendants[:REPLIES_SHOWN]
    serializer = await serializer_for(request, [*ancestors, tweet, *shown], None)
    body = status_page(
        serializer.status(tweet),
        [serializer.status(s) for s in ancestors],
        [serializer.status(s) for s in shown],
        context.settings,
        f"{context.settings.base_url}/api/v1/statuses/{tweet.id}",
        more_replies=len(descendants) - len(shown),
    )
    return _html(request, body)


@routes.get(r"/tags/{name}")
@html_errors
async def tag(request: web.Request) -> web.StreamResponse:
    context = ctx(request)
    found = (await tags.show_tag(context, None, request.match_info["name"])).tag
    page = parse_page(request, default=PAGE_SIZE, maximum=PAGE_SIZE)
    loaded = Loaded(None)
    tweets, cursors = await timelines.tag_timeline(context, None, [found.name], page, loaded=loaded)
    serializer = await serializer_for(request, tweets, None, loaded=loaded)
    settings = context.settings
    body = tag_page(
        found.name,
        tag_url(found.name, settings),
        [serializer.status(s) for s in tweets],
        settings,
        api_url=f"{settings.base_url}/api/v1/tags/{quote(found.name)}",
        older_url=_older_url(request, cursors, page),
        newest_url=_newest_url(request),
    )
    return _html(request, body)


@routes.get(r"/users/{username}")
async def user_uri(request: web.Request) -> web.StreamResponse:
    """An account's `uri`: its page (Mastodon answers browsers the same way)."""
    raise web.HTTPFound(f"/@{quote(request.match_info['username'])}")


@routes.get(r"/users/{username}/statuses/{id:\d+}")
async def status_uri(request: web.Request) -> web.StreamResponse:
    """A tweet's `uri`: its page."""
    username, status_id = request.match_info["username"], request.match_info["id"]
    raise web.HTTPFound(f"/@{quote(username)}/{status_id}")
