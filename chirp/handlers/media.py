"""`/api/v2/media`, `/api/v1/media/:id`, and `/media/<key>` (blobs of the local store, with
ETag, Range and each object's Cache-Control)."""

from __future__ import annotations

import re
import time

from aiohttp import web
from pydantic import BaseModel, Field

from chirp.core import media
from chirp.handlers.common import (
    authenticate_user,
    ctx,
    json_response,
    params,
    parse_id,
    validate,
)
from chirp.handlers.openapi import documented
from chirp.handlers.uploads import FILE_FIELDS, receive_upload
from chirp.serializers.media import media_attachment_json

routes = web.RouteTableDef()


class MediaForm(BaseModel):
    description: str | None = Field(None, max_length=10_000)
    focus: str | None = Field(None, max_length=64)


def _render(view: media.MediaView, *, done_status: int = 200) -> web.Response:
    status = done_status if view.attachment.state == "ready" else 202
    return json_response(media_attachment_json(view.attachment, view.urls), status=status)


@documented(files=FILE_FIELDS)
async def upload(request: web.Request) -> web.Response:
    """Images answer 200 (processed); video and GIFs 202 (processing, `url` null). The
    deprecated v1 endpoint answers the same way."""
    _, account = await authenticate_user(request, "write:media")
    received = await receive_upload(request, ctx(request).settings)
    return _render(await media.upload_media(ctx(request), account, received))


routes.post("/api/v2/media")(upload)
routes.post("/api/v1/media")(upload)


@routes.get(r"/api/v1/media/{id}")
async def show(request: web.Request) -> web.Response:
    """206 while processing, 200 when ready, 422 with the reason if processing failed."""
    _, account = await authenticate_user(request, "read:statuses", "write:media")
    view = await media.show_media(ctx(request), account, parse_id(request.match_info["id"]))
    status = 200 if view.attachment.state == "ready" else 206
    return json_response(media_attachment_json(view.attachment, view.urls), status=status)


@routes.put(r"/api/v1/media/{id}")
@documented(body=MediaForm, files=FILE_FIELDS)
async def update(request: web.Request) -> web.Response:
    _, account = await authenticate_user(request, "write:media")
    context = ctx(request)
    media_id = parse_id(request.match_info["id"])
    upload = None
    if request.content_type == "multipart/form-data":  # may carry a new `thumbnail`
        upload = await receive_upload(request, context.settings)
        description, focus = upload.description, upload.focus
    else:
        form = validate(MediaForm, await params(request))
        description, focus = form.description, form.focus
    view = await media.update_media(
        context, account, media_id, description=description, focus=focus, upload=upload
    )
    status = 200 if view.attachment.state == "ready" else 206
    return json_response(media_attachment_json(view.attachment, view.urls), status=status)


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) of a single `bytes=` range; None to serve the whole object (no header,
    several ranges, or a syntax we ignore). ValueError if unsatisfiable."""
    match = _RANGE.fullmatch(header.strip())
    if match is None or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last N bytes
        suffix = int(match[2])
        if suffix == 0:
            raise ValueError("empty suffix range")
        return max(0, size - suffix), size - 1
    first = int(match[1])
    last = min(int(match[2]), size - 1) if match[2] else size - 1
    if first >= size or first > last:
        raise ValueError("range starts past the end")
    return first, last


@routes.get(r"/media/{key:.+}")
async def serve(request: web.Request) -> web.StreamResponse:
    query = request.query
    blob = await media.serve_blob(
        ctx(request),
        request.match_info["key"],
        expires=query.get("expires"),
        signature=query.get("signature"),
    )
    info = blob.info
    headers = {
        "Content-Type": info.content_type,
        "ETag": info.etag,
        "Cache-Control": info.cache_control,
        "Last-Modified": info.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Accept-Ranges": "bytes",
        # Served from our own origin: never let a browser sniff or run it as a page.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Access-Control-Allow-Origin": "*",
    }
    if "expires" in query:  # a signed link: caches may keep it only while it is valid
        remaining = max(0, int(query["expires"]) - int(time.time()))
        headers["Cache-Control"] = f"private, max-age={remaining}"
    if info.etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return web.Response(status=304, headers={k: headers[k] for k in ("ETag", "Cache-Control")})
    wanted = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range.strip() != info.etag:
        wanted = ""  # the client's copy is stale: send it the whole new object
    try:
        selected = _byte_range(wanted, info.size) if wanted else None
    except ValueError:
        return web.Response(
            status=416, headers={"Content-Range": f"bytes */{info.size}", **headers}
        )
    status, first, last = 200, 0, info.size - 1
    if selected is not None:
        status, (first, last) = 206, selected
        headers["Content-Range"] = f"bytes {first}-{last}/{info.size}"
    length = max(0, last - first + 1)
    response = web.StreamResponse(status=status, headers=headers)
    response.content_length = length
    await response.prepare(request)
    if request.method != "HEAD" and length:
        async for chunk in blob.open(first, length):
            await response.write(chunk)
    await response.write_eof()
    return response


@routes.delete(r"/api/v1/media/{id}")
async def delete(request: web.Request) -> web.Response:
    """An upload not attached to a tweet (Mastodon 4.4); 422 once on a tweet."""
    _, account = await authenticate_user(request, "write:media")
    await media.delete_media(ctx(request), account, parse_id(request.match_info["id"]))
    return json_response({})
