"""Run the server: uvloop, structured logs, graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from chirp import __version__
from chirp.config import Settings
from chirp.server.app import create_app
from chirp.server.logs import AccessLogger, configure_logging

log = logging.getLogger("chirp")


def _event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def serve(settings: Settings) -> None:
    """Serve until SIGTERM/SIGINT; then stop accepting, let in-flight requests finish
    (up to `shutdown_timeout_seconds`), and close the store cleanly."""
    configure_logging(settings.log_level, settings.log_format)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log.info(
        "chirp starting",
        extra={
            "version": __version__,
            "listen": f"{settings.host}:{settings.port}",
            "public_url": settings.base_url,
            "store": settings.store_url.split("://")[0],
        },
    )
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop=_event_loop(),
        shutdown_timeout=settings.shutdown_timeout_seconds,
        access_log_class=AccessLogger,
        access_log=logging.getLogger("chirp.access"),
        print=lambda message: log.info(message.strip()),
        handle_signals=True,
    )
    log.info("chirp stopped")
