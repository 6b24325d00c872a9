"""Run the server: uvloop, structured logs, graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from chirp import __version__
from chirp.config import Settings
from chirp.server.app import create_app
from chirp.server.logs import AccessLogger, configure_logging

log = logging.getLogger("chirp")


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        return asyncio.new_event_loop
    return uvloop.new_event_loop


async def _serve(settings: Settings) -> None:
    runner = web.AppRunner(
        create_app(settings),
        access_log_class=AccessLogger,
        access_log=logging.getLogger("chirp.access"),
        shutdown_timeout=settings.shutdown_timeout_seconds,
    )
    await runner.setup()
    stopping = asyncio.Event()

    def request_stop(reason: str) -> None:
        # A second signal (an impatient supervisor, a double Ctrl-C) must not cut the
        # shutdown short: that would leave requests half-served and the store open.
        if stopping.is_set():
            log.warning("already stopping", extra={"signal": reason})
            return
        log.info("stopping", extra={"signal": reason})
        stopping.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop, sig.name)
    try:
        site = web.TCPSite(
            runner,
            settings.host,
            settings.port,
            shutdown_timeout=settings.shutdown_timeout_seconds,
            reuse_address=True,
        )
        await site.start()
        log.info("listening", extra={"url": f"http://{settings.host}:{settings.port}"})
        await stopping.wait()
    finally:
        # Stop accepting, let in-flight requests finish (up to the timeout), then run the
        # app's cleanup contexts: background work stops and the store closes last.
        await runner.cleanup()


def serve(settings: Settings) -> None:
    """Serve until SIGTERM/SIGINT; then shut down gracefully and return."""
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
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(_serve(settings))
    log.info("chirp stopped")
