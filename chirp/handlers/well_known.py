"""`/.well-known/webfinger`, `/.well-known/host-meta`, `/.well-known/nodeinfo` and the NodeInfo
documents it links to (`/nodeinfo/2.0`, `/nodeinfo/2.1`)."""

from __future__ import annotations

import orjson
from aiohttp import web

from chirp.core import discovery
from chirp.core.errors import NotFound
from chirp.handlers.common import ctx, json_response
from chirp.handlers.openapi import documented
from chirp.serializers.well_known import (
    NODEINFO_VERSIONS,
    host_meta_json,
    host_meta_xml,
    nodeinfo_json,
    nodeinfo_links,
    nodeinfo_schema,
    webfinger_json,
)

routes = web.RouteTableDef()

# As Mastodon: handles and the discovery links change rarely; usage figures every half hour.
_LONG_CACHE = {"Cache-Control": "public, max-age=259200"}
_USAGE_CACHE = {"Cache-Control": "public, max-age=1800"}


@routes.get("/.well-known/webfinger")
@documented(produces="application/jrd+json")
async def webfinger(request: web.Request) -> web.Response:
    context = ctx(request)
    account = await discovery.resolve_webfinger(context, request.query.get("resource", ""))
    return web.Response(
        body=orjson.dumps(webfinger_json(account, context.settings)),
        content_type="application/jrd+json",
        headers={**_LONG_CACHE, "Vary": "Accept"},
    )


def _wants_json(request: web.Request) -> bool:
    if request.query.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "xml" not in accept


@routes.get("/.well-known/host-meta")
@documented(produces="application/xrd+xml")
async def host_meta(request: web.Request) -> web.Response:
    settings = ctx(request).settings
    headers = {**_LONG_CACHE, "Vary": "Accept"}
    if _wants_json(request):
        return json_response(host_meta_json(settings), headers=headers)
    return web.Response(
        text=host_meta_xml(settings), content_type="application/xrd+xml", headers=headers
    )


@routes.get("/.well-known/nodeinfo")
async def nodeinfo_index(request: web.Request) -> web.Response:
    return json_response(nodeinfo_links(ctx(request).settings), headers=_LONG_CACHE)


@routes.get(r"/nodeinfo/{version:\d+\.\d+}")
async def nodeinfo(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    if version not in NODEINFO_VERSIONS:
        raise NotFound("No such NodeInfo version")
    context = ctx(request)
    usage = await discovery.node_usage(context)
    response = web.Response(
        body=orjson.dumps(nodeinfo_json(version, usage, context.settings)), headers=_USAGE_CACHE
    )
    # The schema goes in the media type's profile, as the NodeInfo protocol asks.
    response.headers["Content-Type"] = f'application/json; profile="{nodeinfo_schema(version)}#"'
    return response
