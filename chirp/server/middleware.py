"""Every failure leaves as JSON `{"error": ...}` with the right status; nothing leaks as a 500 page."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from chirp.core.errors import ChirpError, OAuthError, RateLimited
from chirp.handlers.common import json_response
from chirp.server.cors import request_id
from chirp.server.keys import SETTINGS
from chirp.storage.unavailable import RETRY_AFTER_SECONDS, store_unavailable

log = logging.getLogger(__name__)

_KEEP_HEADERS = ("Allow", "Location", "Retry-After", "WWW-Authenticate")


def _http_message(error: web.HTTPException, request: web.Request) -> str:
    if isinstance(error, web.HTTPRequestEntityTooLarge):
        return f"Request body too large (limit {request.app[SETTINGS].max_body_bytes} bytes)"
    text = error.text or ""
    if text and not text.startswith(f"{error.status}:"):
        return text
    if isinstance(error, web.HTTPNotFound):
        return "Record not found" if request.path.startswith("/api/") else "Not found"
    return error.reason


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except OAuthError as error:
        return json_response(
            {"error": error.error, "error_description": error.message}, status=error.status
        )
    except ChirpError as error:
        body: dict[str, Any] = {"error": error.message}
        if error.details:
            body["details"] = error.details
        headers = None
        if isinstance(error, RateLimited):
            headers = {"Retry-After": str(error.retry_after)}
        return json_response(body, status=error.status, headers=headers)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        headers = {k: v for k, v in error.headers.items() if k in _KEEP_HEADERS}
        return json_response(
            {"error": _http_message(error, request)}, status=error.status, headers=headers
        )
    except Exception as error:
        if isinstance(error, ConnectionError) and _client_gone(request):
            raise  # the client left mid-request (aiohttp drops it quietly): not the store's reset
        if store_unavailable(error):
            log.warning(
                "store unavailable",
                extra={
                    "path": request.path,
                    "error": repr(error),
                    "request_id": request_id(request),
                },
            )
            return json_response(
                {"error": "The service is briefly unavailable; try again shortly"},
                status=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        log.exception(
            "unhandled error",
            extra={
                "method": request.method,
                "path": request.path,
                "request_id": request_id(request),
            },
        )
        return json_response({"error": "Internal server error"}, status=500)
