"""Low-Latency HLS, served by every node's origin (`chirp.video.origin`):

GET /api/v1/chirp/streams/:id/ll/master.m3u8           the master (the regular one's variants)
GET /api/v1/chirp/streams/:id/ll/:rung/index.m3u8      media playlist; `_HLS_msn`, `_HLS_part`
                                                       block until that part exists (bounded),
                                                       `_HLS_skip=YES` asks for a delta update
GET /api/v1/chirp/streams/:id/ll/:rung/:object         init section, parts, whole segments; the
                                                       preload-hinted next part waits for it

A followers-only stream's URIs carry the signature of its playback URL (checked on every
request) and are `private` to caches; a public stream's parts and segments are immutable and
cacheable by anyone, its blocking playlist answers briefly (docs/live-video.md: behind a CDN).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

import orjson
from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core.errors import NotFound
from chirp.handlers.common import ctx, parse_id, query_params, validate
from chirp.handlers.openapi import documented
from chirp.server.keys import ORIGIN
from chirp.video import llhls, playback
from chirp.video.llhls import Rendition
from chirp.video.origin import NotLowLatency, Origin
from chirp.video.relay import PLAYLIST_TYPE

routes = web.RouteTableDef()

BASE = r"/api/v1/chirp/streams/{id:\d+}/ll"
RUNG = r"{rung:[0-9]{2,4}p}"
_OBJECT = r"{name:ll[0-9]{3}-(?:init\.mp4|[0-9]{5}(?:\.[0-9]{1,3})?\.m4s)}"
IMMUTABLE = "public, max-age=31536000, immutable"
# A blocking reload's answer is the same for everyone asking with the same query: a CDN may
# keep it as long as it stays useful; a plain reload's goes stale at the next part.
BLOCKING_CACHE = "public, max-age=6"
PLAIN_CACHE = "public, max-age=0, must-revalidate"


class AccessQuery(BaseModel):
    """A followers-only stream's signed playback link (the regular one's)."""

    expires: str | None = Field(None, max_length=20)
    signature: str | None = Field(None, max_length=128)


class PlaylistQuery(AccessQuery):
    msn: int | None = Field(None, alias="_HLS_msn", ge=0, le=2**31)
    part: int | None = Field(None, alias="_HLS_part", ge=0, le=1000)
    skip: Literal["YES", "v2"] | None = Field(None, alias="_HLS_skip")


def _bad_request(reason: str) -> web.HTTPBadRequest:
    """RFC 8216bis §6.2.5.2 answers these with 400."""
    return web.HTTPBadRequest(
        text=orjson.dumps({"error": reason}).decode(), content_type="application/json"
    )


def _origin(request: web.Request) -> Origin:
    origin = request.app.get(ORIGIN)
    if origin is None:
        raise NotFound("low-latency HLS is off on this server")
    return origin


async def _renditions(
    request: web.Request, access: AccessQuery
) -> tuple[dict[str, Rendition], str]:
    """The stream's renditions, and the query every URI carries (its signature, if private)."""
    stream_id = parse_id(request.match_info["id"])
    try:
        renditions = await _origin(request).renditions(stream_id)
    except NotLowLatency:
        raise NotFound("no such low-latency stream, or it is not live") from None
    if not any(r.private for r in renditions.values()):
        return renditions, ""
    blobs = ctx(request).blobs
    assert blobs is not None  # there is an origin
    expires, signature = access.expires or "", access.signature or ""
    if not playback.verify_playback(blobs, stream_id, expires, signature):
        raise NotFound("no such playlist, or its link expired")
    return renditions, "?" + urlencode({"expires": expires, "signature": signature})


def _cache(renditions: dict[str, Rendition], policy: str) -> str:
    private = any(r.private for r in renditions.values())
    return policy.replace("public", "private", 1) if private else policy


def _playlist(text: str, cache_control: str) -> web.Response:
    return web.Response(
        text=text,
        content_type=PLAYLIST_TYPE,
        headers={"Cache-Control": cache_control, "Access-Control-Allow-Origin": "*"},
    )


@routes.get(f"{BASE}/master.m3u8")
@documented(query=AccessQuery, produces=PLAYLIST_TYPE)
async def master(request: web.Request) -> web.Response:
    access = validate(AccessQuery, query_params(request))
    renditions, query = await _renditions(request, access)
    prefix = next(iter(renditions.values())).prefix
    blobs = ctx(request).blobs
    assert blobs is not None  # there is an origin
    try:
        text = (await blobs.read(f"{prefix}/{playback.MASTER}")).decode()
    except LookupError:
        raise NotFound("the stream has no playlist yet") from None
    lines = [f"{line}{query}" if line and not line.startswith("#") else line
             for line in text.splitlines()]  # fmt: skip
    return _playlist("\n".join(lines) + "\n", _cache(renditions, "public, max-age=5"))


@routes.get(f"{BASE}/{RUNG}/index.m3u8")
@documented(query=PlaylistQuery, produces=PLAYLIST_TYPE)
async def media(request: web.Request) -> web.Response:
    form = validate(PlaylistQuery, query_params(request))
    if form.part is not None and form.msn is None:
        raise _bad_request("_HLS_part needs _HLS_msn")
    renditions, query = await _renditions(request, form)
    rung = request.match_info["rung"]
    current = renditions.get(rung)
    if current is None:
        raise NotFound("no such rendition")
    if form.msn is not None:
        last = current.segments[-1].msn if current.segments else 0
        if form.msn > last + 2:
            raise _bad_request("_HLS_msn is more than two segments ahead of the playlist")
        try:
            current = await _origin(request).rendition(current.stream_id, rung, form.msn, form.part)
        except TimeoutError:
            raise web.HTTPServiceUnavailable(
                text=orjson.dumps({"error": "the requested part did not appear in time"}).decode(),
                content_type="application/json",
            ) from None
    text = llhls.media_playlist(
        current, list(renditions.values()), skip=form.skip is not None, query=query
    )
    policy = BLOCKING_CACHE if form.msn is not None else PLAIN_CACHE
    return _playlist(text, _cache(renditions, policy))


@routes.get(f"{BASE}/{RUNG}/{_OBJECT}")
@documented(query=AccessQuery, produces="video/mp4")
async def media_object(request: web.Request) -> web.Response:
    access = validate(AccessQuery, query_params(request))
    renditions, _ = await _renditions(request, access)
    rung, name = request.match_info["rung"], request.match_info["name"]
    current = renditions.get(rung)
    if current is None:
        raise NotFound("no such rendition")
    found = current.find(name)
    if found is None and not name.endswith("init.mp4") and name == current.next_part_uri():
        # The preload hint: held until the part exists, as a blocking reload is.
        msn, index = _numbers(name)
        try:
            current = await _origin(request).rendition(current.stream_id, rung, msn, index)
        except TimeoutError:
            raise NotFound("the hinted part did not appear in time") from None
        found = current.find(name)
    if found is None and not name.endswith("init.mp4"):
        raise NotFound("no such part or segment (it may have left the live window)")
    try:
        data = await _origin(request).read(current, name)
    except LookupError:
        raise NotFound("no such object") from None
    content_type = llhls.INIT_TYPE if name.endswith(".mp4") else llhls.PART_TYPE
    return web.Response(
        body=data,
        content_type=content_type,
        headers={
            "Cache-Control": _cache(renditions, IMMUTABLE),
            "Access-Control-Allow-Origin": "*",
        },
    )


def _numbers(name: str) -> tuple[int, int | None]:
    """(msn, part index) of `llRRR-MMMMM.P.m4s`."""
    stem = name[6:].removesuffix(".m4s")
    msn, _, part = stem.partition(".")
    return int(msn), int(part) if part else None
