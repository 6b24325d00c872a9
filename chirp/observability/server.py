"""Metrics in the server: the request middleware, the sampler, and the `/metrics` endpoint.

`install_metrics(app)` wires them into an app made by `create_app`. The endpoint answers on the
main port, or (`CHIRP_METRICS_PORT`) only on a port of its own (`metrics_app`). What costs a
query (the outbox's backlog and the age of its oldest event, whether the store and the bus
answer) is asked at scrape time, by whichever worker is scraped, for the whole deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter as Counts
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from chirp.bus.redis import RedisBus
from chirp.core.ids import id_time
from chirp.core.ports.bus import Deliver, EventBus
from chirp.observability.metrics import ChirpMetrics
from chirp.server.keys import (
    CONTEXT,
    HUB,
    MEDIA_WORKERS,
    METRICS,
    METRICS_OF,
    RELAY,
    RENDER_CACHE,
    SETTINGS,
    TRACING,
)
from chirp.video import hls
from chirp.video.ladder import Rung

log = logging.getLogger(__name__)

UNMATCHED = "unmatched"
PROBE_SECONDS = 2.0
# Prometheus's text format, which every Prometheus (and Google's managed collectors) reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

T = TypeVar("T")


def install_metrics(app: web.Application) -> None:
    """Measure this app (unless `CHIRP_METRICS_ENABLED=false`): call before it starts."""
    settings = app[SETTINGS]
    if not settings.metrics_enabled:
        return
    metrics = app[METRICS] = ChirpMetrics()
    # First, so it sees the status the error middleware settled on.
    app.middlewares.insert(0, request_metrics(metrics))
    app.on_response_prepare.append(stream_started(metrics))
    app.cleanup_ctx.append(_sampler)
    if not settings.metrics_port:
        app.router.add_get("/metrics", metrics_endpoint, name="metrics")


def observed_store(app: web.Application, store: T) -> T:
    """The store as the app should use it: timed (metrics) and traced, when those are on."""
    if (tracing := app.get(TRACING)) is not None:
        store = tracing.traced(store, "store")
    if (metrics := app.get(METRICS)) is not None:
        store = metrics.observe_store(store)
    return store


def observed_bus(app: web.Application, bus: EventBus) -> EventBus:
    """The bus as the app should use it: timed (metrics) and traced, when those are on."""
    if (tracing := app.get(TRACING)) is not None:
        bus = tracing.traced(bus, "bus")
    if (metrics := app.get(METRICS)) is not None:
        bus = metrics.observe_bus(bus)
    return bus


def observed_deliver(app: web.Application, deliver: Deliver, bus: EventBus) -> Deliver:
    """The hub's `deliver` callback, counting what the bus hands over (and, with Redis, whose
    positions are `<publish time in ms>-<sequence>` stream ids, how late)."""
    if (metrics := app.get(METRICS)) is not None:
        return metrics.observe_deliver(deliver, timestamped=isinstance(bus, RedisBus))
    return deliver


def metrics_app(app: web.Application) -> web.Application:
    """The `/metrics` endpoint alone, for `CHIRP_METRICS_PORT`, reporting on `app`."""
    own = web.Application()
    own[METRICS_OF] = app
    own.router.add_get("/metrics", metrics_endpoint)
    return own


def route_template(request: web.Request) -> str:
    """The matched route's template (`/api/v1/statuses/{id}`), or `unmatched`."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


# Whether the request still counts as in flight; the status of a stream once it started.
_IN_FLIGHT = web.RequestKey("metrics_in_flight", bool)
_STREAMED = web.RequestKey("metrics_streamed", int)


def request_metrics(metrics: ChirpMetrics) -> Middleware:
    """Count and time every response by method, route template and status class. A stream
    (websocket, SSE) leaves the in-flight count when it starts (`stream_started`) and is
    counted, untimed, when it ends; a client that leaves mid-request is counted as status
    499, untimed."""
    perf_counter = time.perf_counter

    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        request[_IN_FLIGHT] = True
        metrics.in_flight_now += 1
        started = perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:  # redirects raised through the error middleware
            status = error.status
            raise
        except asyncio.CancelledError:
            status = 499  # the client went away (nginx's code for it)
            raise
        finally:
            if request[_IN_FLIGHT]:
                metrics.in_flight_now -= 1
            streamed = request.get(_STREAMED)
            seconds = perf_counter() - started
            metrics.request_done(
                request.method,
                route_template(request),
                streamed or status,  # a stream the client ended was served all the same
                None if streamed or status == 499 else seconds,
            )

    return observe


def stream_started(metrics: ChirpMetrics) -> Callable[[web.Request, web.StreamResponse], Any]:
    """`on_response_prepare`: a websocket or an event stream is no request in flight."""

    async def started(request: web.Request, response: web.StreamResponse) -> None:
        if isinstance(response, web.WebSocketResponse) or (
            response.content_type == "text/event-stream"
        ):
            request[_STREAMED] = response.status
            if request.get(_IN_FLIGHT):
                request[_IN_FLIGHT] = False
                metrics.in_flight_now -= 1

    return started


async def metrics_endpoint(request: web.Request) -> web.Response:
    app = request.app.get(METRICS_OF, request.app)
    metrics = app[METRICS]
    scraped = _Scraped(*await _probe(app))
    metrics.flush()  # this process's figures up to now; the others' are a sample old at most
    if metrics.multiprocess:
        body = await asyncio.to_thread(_exposition_of_all_processes, scraped)
    else:
        body = generate_latest(metrics.registry) + generate_latest(_registry(scraped))
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity (the registry's key)
class _Scraped:
    """What the scraped worker asked the store and the bus (None: no answer)."""

    backlog: int | None
    oldest_age: float | None
    bus_up: bool | None
    # Viewers (heartbeats within their time to live) of each stream on air.
    viewers: dict[int, int] | None

    def collect(self) -> Iterable[Metric]:
        store_up = self.backlog is not None
        yield GaugeMetricFamily(
            "chirp_store_up", "Whether the store answered the scrape's query", value=store_up
        )
        if self.backlog is not None:
            yield GaugeMetricFamily(
                "chirp_outbox_backlog", "Outbox events due (fan-out waiting)", value=self.backlog
            )
            yield GaugeMetricFamily(
                "chirp_outbox_oldest_event_age_seconds",
                "Age of the oldest event in the outbox (0 when empty)",
                value=self.oldest_age or 0.0,
            )
        if self.viewers is not None:
            yield GaugeMetricFamily(
                "chirp_live_streams_on_air", "Live streams on air", value=len(self.viewers)
            )
            yield GaugeMetricFamily(
                "chirp_live_viewers",
                "Viewers of the streams on air (players that sent a heartbeat lately)",
                value=sum(self.viewers.values()),
            )
        if self.bus_up is not None:
            yield GaugeMetricFamily(
                "chirp_bus_up", "Whether the event bus (Redis) answered a ping", value=self.bus_up
            )


def _registry(collector: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def _exposition_of_all_processes(scraped: _Scraped) -> bytes:
    registry = _registry(scraped)
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


async def _probe(
    app: web.Application,
) -> tuple[int | None, float | None, bool | None, dict[int, int] | None]:
    context = app[CONTEXT]
    backlog = oldest_age = bus_up = viewers = None
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            now = context.now()
            backlog = await context.store.count_due_events(now)
            oldest = await context.store.oldest_event_id()
            oldest_age = (now - id_time(oldest)).total_seconds() if oldest is not None else 0.0
            ttl = timedelta(seconds=context.settings.live_viewer_ttl_seconds)
            viewers = await context.store.count_live_viewers(now - ttl)
    except Exception as error:
        backlog = viewers = None
        log.warning("metrics: the store did not answer", extra={"error": repr(error)})
    if context.bus is not None:
        bus_up = await context.bus.reachable()
    return backlog, oldest_age, bus_up, viewers


async def _sampler(app: web.Application) -> AsyncIterator[None]:
    """Every `metrics_sample_seconds`: fold this process's state into its metrics."""
    metrics = app[METRICS]
    interval = app[SETTINGS].metrics_sample_seconds
    listed: set[int] = set()

    def sample() -> None:
        metrics.sample_process()
        metrics.sample_render_cache(*app[RENDER_CACHE].lookups())
        hub = app.get(HUB)
        if hub is not None:
            metrics.sample_streams(hub.delivered, hub.dropped_slow)
            transports: Counts[str] = Counts({"ws": 0, "sse": 0})
            streams: Counts[str] = Counts()
            for outlet, subscriptions in hub.connections():
                transports[outlet.format] += 1
                # A stream counts once per connection: a `user` subscription also holds the
                # announcements' shared topic under the same label (`chirp.realtime.subscriptions.companions`).
                streams.update({s.stream.label[0] for s in subscriptions if s.stream.label})
            for transport, count in transports.items():
                metrics.stream_connections.labels(transport).set(count)
            for name in {*streams, *metrics.stream_names}:
                metrics.stream_subscriptions.labels(name).set(streams[name])
            metrics.stream_names.update(streams)
        workers = app.get(MEDIA_WORKERS)
        if workers is not None:
            metrics.media_running.set(workers.running)
            metrics.media_background.set(workers.background_jobs)
        relay = app.get(RELAY)
        if relay is not None:
            metrics.live_streams.set(len(relay.streams))
            for stream in relay.streams.values():
                if id(stream) not in listed:
                    listed.add(id(stream))
                    stream.on_listed.append(_segment_listed(metrics))
            listed.intersection_update(id(s) for s in relay.streams.values())

    async def run() -> None:
        while True:
            try:
                sample()
            except Exception:
                log.exception("metrics sample failed")
            await asyncio.sleep(interval)

    metrics.install_gc_callback()
    task = asyncio.create_task(run(), name="chirp-metrics-sampler")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        metrics.remove_gc_callback()


def _segment_listed(metrics: ChirpMetrics) -> Callable[[Rung, hls.Segment], None]:
    def listed(rung: Rung, segment: hls.Segment) -> None:
        metrics.live_media_seconds.labels(rung.name).inc(segment.duration)

    return listed
