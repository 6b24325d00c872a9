"""Structured logging: one JSON object per line (Cloud Logging reads `severity` and `message`).

Access logs carry the path without its query string: streaming clients may put their token in
`?access_token=`, and no token may ever reach a log.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "severity": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        formatter: logging.Formatter = JsonFormatter()
        formatter.converter = time.gmtime
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


# Fields a middleware wants on the request's access log line (the line is written after the
# request's own context is gone): `request[LOG_FIELDS] = {...}`.
LOG_FIELDS = web.RequestKey("log_fields", dict[str, object])


class AccessLogger(AbstractAccessLogger):
    """One structured line per request; never the query string (it may hold a token)."""

    @property
    def enabled(self) -> bool:
        # Read once per connection by aiohttp: below INFO (CHIRP_LOG_LEVEL=WARNING) requests
        # skip the timing and the log record's fields altogether.
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status,
            extra={
                "httpRequest": {
                    "requestMethod": request.method,
                    "requestUrl": request.path,
                    "status": response.status,
                    "responseSize": response.body_length,
                    "remoteIp": request.remote,
                    "userAgent": request.headers.get("User-Agent", ""),
                    "latency": f"{time:.6f}s",
                },
                "requestId": response.headers.get("X-Request-Id"),
                **request.get(LOG_FIELDS, {}),
            },
        )
