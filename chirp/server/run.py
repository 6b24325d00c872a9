"""Run the server: uvloop, structured logs, graceful shutdown on SIGTERM/SIGINT; optionally as
several worker processes sharing the port (`CHIRP_WORKERS`)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Callable

from aiohttp import web

from chirp import __version__
from chirp.config import ConfigError, Settings
from chirp.observability.multiproc import multiprocess_dir, worker_exited
from chirp.observability.server import metrics_app
from chirp.server.app import create_app
from chirp.server.connections import GuardedAppRunner
from chirp.server.keys import READINESS
from chirp.server.logs import AccessLogger, configure_logging
from chirp.storage import open_store
from chirp.webpush.vapid import VapidKeyError, configured_keys

log = logging.getLogger("chirp")


GC_THRESHOLDS = (50_000, 20, 100)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        return asyncio.new_event_loop
    return uvloop.new_event_loop


async def _serve(settings: Settings, *, reuse_port: bool = False) -> None:
    app = create_app(settings)
    runner = GuardedAppRunner(
        app,
        access_log_class=AccessLogger,
        access_log=logging.getLogger("chirp.access"),
        shutdown_timeout=settings.shutdown_timeout_seconds,
        keepalive_timeout=settings.keepalive_timeout_seconds,
        header_timeout=settings.header_timeout_seconds,
        body_timeout=settings.body_timeout_seconds,
        max_connections=settings.max_connections,
    )
    await runner.setup()
    # `/metrics` on a port of its own (kept off the public one): a small app reporting on `app`.
    metrics_runner = None
    if settings.metrics_enabled and settings.metrics_port:
        metrics_runner = web.AppRunner(metrics_app(app), access_log=None)
        await metrics_runner.setup()
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
            reuse_port=reuse_port or None,
        )
        try:
            await site.start()
        except OSError as error:
            raise ConfigError(
                f"cannot listen on {settings.host}:{settings.port} ({error.strerror}): set"
                " CHIRP_PORT (or chirp serve --port) to a free port"
            ) from None
        if metrics_runner is not None:
            await web.TCPSite(
                metrics_runner,
                settings.metrics_host or settings.host,
                settings.metrics_port,
                reuse_address=True,
                reuse_port=reuse_port or None,
            ).start()
        # What startup allocated (modules, settings, caches) lives as long as the process:
        # out of the collector's sight, so its full collections stay short.
        gc.freeze()
        # Collect young objects every 50,000 allocations instead of 700: a tweet to 5,000
        # sockets allocates ~10^5 short-lived objects, and at the default the collections that
        # followed (reaching into the connections' objects) stalled the loop for ~100-200 ms,
        # most of the realtime p99 tail (bench/README.md, realtime). Cycles are still collected.
        gc.set_threshold(*GC_THRESHOLDS)
        log.info("listening", extra={"url": f"http://{settings.host}:{settings.port}"})
        await stopping.wait()
        # Draining: `/readyz` fails so the load balancer sends new requests elsewhere, while
        # this node still serves what reaches it meanwhile.
        app[READINESS].draining = True
        if settings.drain_seconds:
            log.info("draining", extra={"seconds": settings.drain_seconds})
            await asyncio.sleep(settings.drain_seconds)
    finally:
        # Stop accepting, let in-flight requests finish (up to the timeout), then run the
        # app's cleanup contexts: background work stops and the store closes last.
        if metrics_runner is not None:
            await metrics_runner.cleanup()
        await runner.cleanup()


def _serve_until_stopped(settings: Settings, *, reuse_port: bool = False) -> None:
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(_serve(settings, reuse_port=reuse_port))
    # Closing the loop put the default handlers back, which end the process. A signal sent
    # again while it winds down (an impatient supervisor) has nothing left to stop and must
    # not turn the clean exit into a kill: the e2e SIGTERM test saw -15 instead of 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)


def serve(settings: Settings) -> None:
    """Serve until SIGTERM/SIGINT; then shut down gracefully and return."""
    configure_logging(settings.log_level, settings.log_format)
    if settings.workers > 1 and settings.bus.startswith("memory:"):
        raise ConfigError(
            f"CHIRP_WORKERS={settings.workers} needs a shared event bus: the in-process memory bus"
            " would keep each worker's realtime events (streaming, live counts) to itself. Set"
            " CHIRP_BUS=redis://host:port/db, or run one worker."
        )
    if settings.workers > 1 and settings.store_url.endswith(":memory:"):
        raise ConfigError(
            f"CHIRP_WORKERS={settings.workers} needs a store the workers share, not a throwaway"
            " in-memory one: set CHIRP_STORE to a file (or leave it empty)."
        )
    if (
        os.environ.get("K_SERVICE")
        and settings.store_url.startswith("sqlite")
        and not settings.allow_ephemeral_store
    ):
        raise ConfigError(
            "this is Cloud Run (K_SERVICE is set), whose disk is thrown away with each instance:"
            " the embedded SQLite store would lose every account and tweet. Set CHIRP_STORE to"
            " a shared database (postgresql://... or mongodb://...), or CHIRP_ALLOW_EPHEMERAL_STORE"
            "=true for a throwaway demo"
        )
    try:
        configured_keys(settings)  # said now, not at the first push
    except VapidKeyError as error:
        raise ConfigError(str(error)) from None
    # Only this user may read the data (the database holds password hashes and token digests).
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    log.info(
        "chirp starting",
        extra={
            "version": __version__,
            "listen": f"{settings.host}:{settings.port}",
            "public_url": settings.base_url,
            "store": settings.store_url.split("://")[0],
            "workers": settings.workers,
        },
    )
    # Metrics of every worker go to files in one private directory for this run.
    with multiprocess_dir() if settings.metrics_enabled else contextlib.nullcontext():
        if settings.workers == 1:
            _serve_until_stopped(settings)
        else:
            _serve_workers(settings)
    log.info("chirp stopped")


def _worker_settings(settings: Settings) -> list[Settings]:
    """One copy of the settings per worker: the same port (a free one picked now if 0, so all
    share it) and distinct snowflake node ids (CHIRP_NODE_ID + index, or a random base)."""
    port = settings.port
    if port == 0:
        with socket.socket() as probe:
            probe.bind((settings.host, 0))
            port = probe.getsockname()[1]
    base = settings.node_id if settings.node_id is not None else secrets.randbelow(64)
    if settings.node_id is not None and base + settings.workers > 64:
        raise ConfigError(
            f"CHIRP_NODE_ID={base} with CHIRP_WORKERS={settings.workers} needs node ids up to"
            f" {base + settings.workers - 1}; they go up to 63"
        )
    return [
        settings.model_copy(update={"port": port, "node_id": (base + index) % 64})
        for index in range(settings.workers)
    ]


async def _migrate(settings: Settings) -> None:
    store = await open_store(settings.store_url, settings)
    await store.close()


def _serve_workers(settings: Settings) -> None:
    """Fork the workers, each its own event loop and store connections, listening on the same
    port with SO_REUSEPORT (the kernel spreads connections). SIGTERM/SIGINT to this parent is
    passed on to every worker, which shuts down gracefully; the parent returns once all have.
    A worker that dies on its own takes the others down (exit status 1): the supervisor
    restarts the whole set."""
    workers = _worker_settings(settings)
    # Migrate once, before forking, so workers do not race to apply the same migration.
    asyncio.run(_migrate(settings))
    children: dict[int, int] = {}
    stopping = False

    def stop_all(signum: int, _frame: object) -> None:
        nonlocal stopping
        if stopping:
            log.warning("already stopping", extra={"signal": signal.Signals(signum).name})
            return
        stopping = True
        log.info("stopping workers", extra={"signal": signal.Signals(signum).name})
        for pid in children:
            _signal(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop_all) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for index, worker in enumerate(workers):
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the parent's code
                os._exit(_run_worker(worker, index))
            children[pid] = index
            log.info("worker started", extra={"worker": index, "pid": pid})
        failed = False
        while children:
            pid, status = os.wait()
            if pid not in children:
                continue
            index = children.pop(pid)
            worker_exited(pid)
            code = os.waitstatus_to_exitcode(status)
            if code != 0 or not stopping:
                failed = True
                log.error("worker exited", extra={"worker": index, "pid": pid, "exit": code})
                if not stopping:
                    stop_all(signal.SIGTERM, None)
    finally:
        for pid in children:  # only if the parent itself failed: leave no orphans behind
            _signal(pid, signal.SIGTERM)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        sys.exit(1)


def _run_worker(settings: Settings, index: int) -> int:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)  # the loop installs its own handlers
    try:
        log.info("worker listening", extra={"worker": index, "node_id": settings.node_id})
        _serve_until_stopped(settings, reuse_port=True)
        return 0
    except BaseException:
        log.exception("worker failed", extra={"worker": index})
        return 1
    finally:
        logging.shutdown()


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.kill(pid, sig)
