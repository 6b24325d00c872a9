"""Every Prometheus metric Chirp records, and the cheap hooks that record them.

Under `chirp serve` the values live in prometheus-client's multi-process files (one private
directory per server run, `chirp.observability.multiproc`), so a scrape of any worker reports
every worker. In-process apps (tests) keep them in memory. Each app has its own registry, so
many apps can live in one process.

Labels are bounded: route *templates* (never a path with an id), methods from a fixed list,
status classes, store and bus method names, event kinds, media job names. Hot paths touch a
pre-resolved child (no label lookup) or only bump a plain int that the sampler
(`chirp.observability.server`) folds in every few seconds.
"""

from __future__ import annotations

import functools
import gc
import os
import time
from bisect import bisect_left
from collections.abc import Collection
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.process_collector import ProcessCollector

from chirp.core.ports.bus import Deliver, Message
from chirp.observability.proxy import Method, wrap_methods

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Request latency: sub-millisecond cache hits up to slow uploads.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# One store or Redis call.
CALL_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5)
# Event written -> side effects done; bus publish -> delivered here.
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
GC_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
MEDIA_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

T = TypeVar("T")


class Tally:
    """Observations of one histogram child (one label set), kept in plain numbers and folded
    into it by `flush`. A multi-process histogram write takes a lock and packs two values into
    a memory-mapped file (~2 µs); a store call or a request must not pay that each time, so
    the hot paths only bump these, and the sampler flushes every few seconds (a scraped
    process first flushes its own)."""

    __slots__ = ("_buckets", "_sum", "bounds", "counts", "total")

    def __init__(self, child: Histogram) -> None:
        # The child's own bucket values and bounds (+Inf last), the ones `observe` would bump:
        # prometheus-client has no public call to add many observations at once.
        # tests/observability/test_metrics.py pins that a flush equals the observations.
        self._buckets: list[Any] = child._buckets
        self._sum: Any = child._sum
        self.bounds: list[float] = child._upper_bounds
        self.counts = [0] * len(self.bounds)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value

    def flush(self) -> None:
        counts, total = self.counts, self.total
        if not any(counts):
            return
        self.counts, self.total = [0] * len(counts), 0.0
        for bucket, count in zip(self._buckets, counts, strict=True):
            if count:
                bucket.inc(count)
        self._sum.inc(total)


class ChirpMetrics:
    """The metrics of one app; also the core's `DispatchMetrics`."""

    def __init__(self) -> None:
        self.multiprocess = MULTIPROC_ENV in os.environ
        r = self.registry = CollectorRegistry(auto_describe=False)
        http = ["method", "route", "status"]
        self.requests = Counter(
            "chirp_http_requests_total", "HTTP requests by route template", http, registry=r
        )
        self.request_seconds = Histogram(
            "chirp_http_request_duration_seconds",
            "Time to respond (streams excluded: see chirp_stream_connections)",
            http,
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.rate_limited = Counter(
            "chirp_http_rate_limited",
            "Requests refused with 429 (rate limits), by route template",
            ["route"],
            registry=r,
        )
        self.render_cache_lookups = Counter(
            "chirp_render_cache_lookups",
            "Rendered statuses and accounts looked up in the render cache, by result (hit, miss)",
            ["result"],
            registry=r,
        )
        self._render_cache_seen = (0, 0)
        self.in_flight = Gauge(
            "chirp_http_requests_in_flight",
            "Requests being handled (streams excluded)",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.stream_connections = Gauge(
            "chirp_stream_connections",
            "Open streaming connections by transport (ws, sse)",
            ["transport"],
            registry=r,
            multiprocess_mode="livesum",
        )
        self.stream_subscriptions = Gauge(
            "chirp_stream_subscriptions",
            "Stream subscriptions by stream type (user, public:local, hashtag...)",
            ["stream"],
            registry=r,
            multiprocess_mode="livesum",
        )
        self.frames_delivered = Counter(
            "chirp_stream_frames_delivered", "Frames queued to streaming clients", registry=r
        )
        self.slow_disconnects = Counter(
            "chirp_stream_slow_consumer_disconnects",
            "Streaming clients closed (1013) because they could not keep up",
            registry=r,
        )
        self.bus_seconds = Histogram(
            "chirp_bus_call_duration_seconds",
            "Event bus calls (Redis round trips with the Redis bus)",
            ["method"],
            buckets=CALL_BUCKETS,
            registry=r,
        )
        self.bus_errors = Counter(
            "chirp_bus_call_errors", "Event bus calls that raised", ["method"], registry=r
        )
        self.bus_received = Counter(
            "chirp_bus_events_received", "Events the bus delivered to this process", registry=r
        )
        self.bus_lag = Histogram(
            "chirp_bus_delivery_lag_seconds",
            "Publish (Redis's clock) -> delivered to this process's hub",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.store_seconds = Histogram(
            "chirp_store_call_duration_seconds",
            "Store calls by method",
            ["method"],
            buckets=CALL_BUCKETS,
            registry=r,
        )
        self.store_errors = Counter(
            "chirp_store_call_errors", "Store calls that raised", ["method"], registry=r
        )
        self.event_lag = Histogram(
            "chirp_outbox_event_lag_seconds",
            "Event written -> all its side effects done (status.created: the fan-out lag)",
            ["kind"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.step_failures = Counter(
            "chirp_outbox_side_effect_failures",
            "Side effects that failed (the event is retried)",
            ["kind"],
            registry=r,
        )
        self.retries = Counter(
            "chirp_outbox_retries", "Events put back with a backoff", ["kind"], registry=r
        )
        self.batch_seconds = Histogram(
            "chirp_outbox_batch_duration_seconds",
            "One dispatcher batch (claim to complete)",
            buckets=(*CALL_BUCKETS[4:], 5.0, 10.0),
            registry=r,
        )
        self.media_running = Gauge(
            "chirp_media_jobs_running",
            "Media jobs in or waiting for a worker process",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.media_background = Gauge(
            "chirp_media_background_jobs",
            "Asynchronous media processing (videos) not finished",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.media_seconds = Histogram(
            "chirp_media_job_duration_seconds",
            "Media jobs (image and video processing) by job and outcome",
            ["job", "outcome"],
            buckets=MEDIA_BUCKETS,
            registry=r,
        )
        self.live_streams = Gauge(
            "chirp_live_streams",
            "Live streams this process relays",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.live_media_seconds = Counter(
            "chirp_live_segment_media_seconds",
            "Seconds of video listed in live playlists, by rung: its rate is the transcode"
            " speed (1.0 per live stream keeps up)",
            ["rung"],
            registry=r,
        )
        self.gc_pauses = Histogram(
            "chirp_gc_pause_seconds",
            "Garbage collector pauses by generation",
            ["generation"],
            buckets=GC_BUCKETS,
            registry=r,
        )
        # prometheus-client's process collector reads /proc/self: right for one process, blind
        # to the others in multi-process mode. Its figures are copied into gauges each sample,
        # one series per process (`pid` label) in multi-process mode.
        self._process = ProcessCollector(registry=None)
        self._process_gauges: dict[str, Gauge] = {}
        # Hot-path figures in plain numbers until the next flush (see `Tally`).
        self._tallies: list[Tally] = []
        self._request_tallies: dict[tuple[str, str, str], tuple[list[int], Tally]] = {}
        self.in_flight_now = 0
        self._received = [0]
        self._gc_started = 0.0
        self._gc_pauses: list[tuple[int, float]] = []
        self._delivered = self._dropped = 0
        # Stream types seen subscribed in this process: set to 0 when the last one goes.
        self.stream_names: set[str] = set()

    # -- requests --------------------------------------------------------------------------

    def request_done(self, method: str, route: str, status: int, seconds: float | None) -> None:
        """One response sent (`seconds` None for streams, which last as long as the client)."""
        key = (method if method in METHODS else "other", route, f"{status // 100}xx")
        tallies = self._request_tallies.get(key)
        if tallies is None:
            self.requests.labels(*key)  # the series exists from the first request
            tallies = self._request_tallies[key] = ([0], self.tally(self.request_seconds, *key))
        tallies[0][0] += 1
        if status == 429:
            self.rate_limited.labels(route).inc()
        if seconds is not None:
            tallies[1].observe(seconds)

    def tally(self, histogram: Histogram, *labels: str) -> Tally:
        """A hot path's `Tally` for one label set of `histogram`."""
        tally = Tally(histogram.labels(*labels) if labels else histogram)
        self._tallies.append(tally)
        return tally

    def flush(self) -> None:
        """Fold the hot paths' figures into the metrics (sampler, and before a scrape)."""
        for key, (count, _) in self._request_tallies.items():
            if count[0]:
                self.requests.labels(*key).inc(count[0])
                count[0] = 0
        if self._received[0]:
            self.bus_received.inc(self._received[0])
            self._received[0] = 0
        self.in_flight.set(self.in_flight_now)
        for tally in self._tallies:
            tally.flush()

    # -- the core's DispatchMetrics --------------------------------------------------------

    def event_done(self, kind: str, lag_seconds: float) -> None:
        self.event_lag.labels(kind).observe(max(lag_seconds, 0.0))

    def step_failed(self, kind: str) -> None:
        self.step_failures.labels(kind).inc()

    def event_retried(self, kind: str, attempt: int) -> None:
        self.retries.labels(kind).inc()

    def batch_done(self, events: int, seconds: float) -> None:
        self.batch_seconds.observe(seconds)

    # -- media -----------------------------------------------------------------------------

    def media_job(self, job: str, seconds: float, outcome: str) -> None:
        self.media_seconds.labels(job, outcome).observe(seconds)

    # -- store and bus ---------------------------------------------------------------------

    def observe_store(self, store: T) -> T:
        return timed(store, self, self.store_seconds, self.store_errors)

    def observe_bus(self, bus: T) -> T:
        return timed(bus, self, self.bus_seconds, self.bus_errors)

    def observe_deliver(self, deliver: Deliver, *, timestamped: bool) -> Deliver:
        """Count each bus message once (a Redis message arrives once per topic) and, when
        positions are `<milliseconds>-<sequence>` (Redis stream ids), how long after its
        publish it got here."""
        received, lag = self._received, self.tally(self.bus_lag)
        last = [""]

        def observed(topics: Collection[str], message: Message) -> None:
            position = message.position
            if not position or position != last[0]:
                last[0] = position
                received[0] += 1
                if timestamped and position:
                    published_ms = position.partition("-")[0]
                    if published_ms.isdigit():
                        lag.observe(max(time.time() - int(published_ms) / 1000, 0.0))
            deliver(topics, message)

        return observed

    # -- sampled state ---------------------------------------------------------------------

    def gc_callback(self, phase: str, info: dict[str, Any]) -> None:
        """For `gc.callbacks`: only plain arithmetic here (a metric's lock taken inside a
        collection that interrupted the same thread holding it would deadlock)."""
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started:
            self._gc_pauses.append((info["generation"], time.perf_counter() - self._gc_started))
            self._gc_started = 0.0

    def sample_process(self) -> None:
        """Fold in what accumulated since the last sample: the hot paths' figures, GC pauses,
        this process's figures."""
        self.flush()
        pauses, self._gc_pauses = self._gc_pauses, []
        for generation, seconds in pauses:
            self.gc_pauses.labels(str(generation)).observe(seconds)
        for family in self._process.collect():
            for sample in family.samples:
                gauge = self._process_gauges.get(sample.name)
                if gauge is None:
                    gauge = self._process_gauges[sample.name] = Gauge(
                        sample.name,
                        family.documentation,
                        registry=self.registry,
                        multiprocess_mode="liveall",
                    )
                gauge.set(sample.value)

    def sample_streams(self, delivered: int, dropped: int) -> None:
        """The hub's running totals of frames queued and slow consumers closed."""
        if delivered > self._delivered:
            self.frames_delivered.inc(delivered - self._delivered)
        if dropped > self._dropped:
            self.slow_disconnects.inc(dropped - self._dropped)
        self._delivered, self._dropped = delivered, dropped

    def sample_render_cache(self, hits: int, misses: int) -> None:
        """The render cache's running totals of hits and misses."""
        seen_hits, seen_misses = self._render_cache_seen
        if hits > seen_hits:
            self.render_cache_lookups.labels("hit").inc(hits - seen_hits)
        if misses > seen_misses:
            self.render_cache_lookups.labels("miss").inc(misses - seen_misses)
        self._render_cache_seen = (hits, misses)

    def install_gc_callback(self) -> None:
        if self.gc_callback not in gc.callbacks:
            gc.callbacks.append(self.gc_callback)

    def remove_gc_callback(self) -> None:
        if self.gc_callback in gc.callbacks:
            gc.callbacks.remove(self.gc_callback)


def timed(target: T, metrics: ChirpMetrics, seconds: Histogram, errors: Counter) -> T:
    """`target` with each of its coroutine methods timed, by method name."""

    def wrap(name: str, method: Method) -> Method:
        return _timed_call(method, metrics.tally(seconds, name), errors.labels(name))

    return wrap_methods(target, wrap)


def _timed_call(method: Method, tally: Tally, errors: Counter) -> Method:
    perf_counter = time.perf_counter
    observe = tally.observe

    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        started = perf_counter()
        try:
            return await method(*args, **kwargs)
        except Exception:  # a cancellation is the caller leaving, not the store failing
            errors.inc()
            raise
        finally:
            observe(perf_counter() - started)

    return call
