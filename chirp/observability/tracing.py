"""OpenTelemetry traces: a span per request, with the store and bus calls made under it.

Off unless `CHIRP_TRACING_OTLP_ENDPOINT` or `CHIRP_TRACING_GCP_PROJECT` is set: then nothing of
OpenTelemetry is even imported (`install_tracing` returns first), so tracing off costs nothing.
When on, an incoming W3C `traceparent` (or else Google's `X-Cloud-Trace-Context`, which Google's
load balancers and Cloud Run send) continues the caller's trace; spans go by OTLP/HTTP, in
batches, to the endpoint; and every log line written inside a request carries Cloud Logging's
`logging.googleapis.com/trace` and `spanId` fields (its access log line too), so Cloud Logging
groups a request's lines under its trace.

Only requests start traces: store and bus calls get a span only under a request's span (the
dispatcher's polling would otherwise be thousands of one-span traces). A write that records an
outbox event under a span stamps the event with that span (`traceparent` in its payload), and
the dispatcher, on whichever node, runs the event's side effects in a span of the same trace:
the request and the fan-out, notifications and pushes it caused, in one trace.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from chirp.config import Settings
from chirp.core.models import Event
from chirp.observability.proxy import Method, wrap_methods
from chirp.server.logs import LOG_FIELDS

if TYPE_CHECKING:
    from opentelemetry.context import Context as TraceContext
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import SpanContext, Tracer

T = TypeVar("T")

# `TRACE_ID/SPAN_ID;o=OPTIONS`: a 32-hex trace id, a decimal span id, o=1 when sampled.
CLOUD_TRACE = re.compile(r"^([0-9a-fA-F]{32})/(\d{1,20})(?:;o=([01]))?")
TRACE_FIELD = "logging.googleapis.com/trace"
SPAN_FIELD = "logging.googleapis.com/spanId"
SAMPLED_FIELD = "logging.googleapis.com/trace_sampled"
# The payload key of an outbox event that names the span which recorded it.
EVENT_TRACE = "traceparent"


class Tracing:
    """The tracer of one app, its exporter, and the log filter that adds trace fields."""

    def __init__(self, settings: Settings, exporter: SpanExporter | None = None) -> None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

        from chirp import __version__

        self.provider: TracerProvider = TracerProvider(
            resource=Resource.create({"service.name": "chirp", "service.version": __version__}),
            sampler=ParentBased(TraceIdRatioBased(settings.tracing_sample_ratio)),
        )
        if exporter is None and settings.tracing_otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(endpoint=settings.tracing_otlp_endpoint)
        if exporter is not None:
            self.provider.add_span_processor(BatchSpanProcessor(exporter))
        self.tracer: Tracer = self.provider.get_tracer("chirp")
        self.log_fields = TraceLogFields(settings.tracing_gcp_project)

    def extract(self, headers: Mapping[str, str]) -> TraceContext | None:
        """The caller's trace: W3C `traceparent` first, else `X-Cloud-Trace-Context`."""
        from opentelemetry import trace
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        if "traceparent" in headers:
            return TraceContextTextMapPropagator().extract(headers)
        found = CLOUD_TRACE.match(headers.get("X-Cloud-Trace-Context", ""))
        if found is None:
            return None
        trace_id, span_id = int(found[1], 16), int(found[2])
        if not trace_id or not 0 < span_id < 2**64:
            return None
        flags = trace.TraceFlags(
            trace.TraceFlags.SAMPLED if found[3] == "1" else trace.TraceFlags.DEFAULT
        )
        parent = trace.SpanContext(trace_id, span_id, is_remote=True, trace_flags=flags)
        return trace.set_span_in_context(trace.NonRecordingSpan(parent))

    def middleware(self) -> Middleware:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        from chirp.observability.server import route_template

        tracer = self.tracer

        @web.middleware
        async def trace_request(request: web.Request, handler: Handler) -> web.StreamResponse:
            route = route_template(request)
            with tracer.start_as_current_span(
                f"{request.method} {route}",
                context=self.extract(request.headers),
                kind=SpanKind.SERVER,
                attributes={"http.request.method": request.method, "http.route": route},
            ) as span:
                request[LOG_FIELDS] = self.log_fields.fields(span.get_span_context())
                try:
                    response = await handler(request)
                except web.HTTPException as error:
                    span.set_attribute("http.response.status_code", error.status)
                    raise
                span.set_attribute("http.response.status_code", response.status)
                if response.status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                return response

        return trace_request

    def traced(self, target: T, prefix: str) -> T:
        """`target` with a client span per coroutine method call made under a request; an
        outbox `event=` passed to a call is stamped with the call's span."""
        tracer = self.tracer
        return wrap_methods(
            target, lambda name, method: _traced_call(method, tracer, f"{prefix}.{name}")
        )

    def handling(self, event: Event) -> AbstractContextManager[object]:
        """The core's `DispatchTracer`: a span of the recording request's trace, if any."""
        from opentelemetry.trace import SpanKind
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        traceparent = event.payload.get(EVENT_TRACE)
        if not isinstance(traceparent, str):
            return contextlib.nullcontext()
        context = TraceContextTextMapPropagator().extract({"traceparent": traceparent})
        return self.tracer.start_as_current_span(
            f"outbox {event.kind}",
            context=context,
            kind=SpanKind.CONSUMER,
            attributes={"chirp.event.kind": event.kind, "chirp.event.attempt": event.attempts},
        )

    async def close(self, _app: web.Application) -> None:
        self.log_fields.remove()
        self.provider.shutdown()  # exports what the batch still holds


class TraceLogFields(logging.Filter):
    """Adds Cloud Logging's trace fields to records written inside a traced request (the JSON
    formatter writes a record's extra attributes as fields)."""

    def __init__(self, project: str) -> None:
        super().__init__()
        self.prefix = f"projects/{project}/traces/" if project else ""
        self._handlers: list[logging.Handler] = []

    def filter(self, record: logging.LogRecord) -> bool:
        from opentelemetry import trace

        record.__dict__.update(self.fields(trace.get_current_span().get_span_context()))
        return True

    def fields(self, context: SpanContext) -> dict[str, Any]:
        if not context.is_valid:
            return {}
        return {
            TRACE_FIELD: f"{self.prefix}{context.trace_id:032x}",
            SPAN_FIELD: f"{context.span_id:016x}",
            SAMPLED_FIELD: context.trace_flags.sampled,
        }

    def install(self) -> None:
        """On the root logger's handlers: every logger's records pass through them."""
        for handler in logging.getLogger().handlers:
            if self not in handler.filters:
                handler.addFilter(self)
                self._handlers.append(handler)

    def remove(self) -> None:
        for handler in self._handlers:
            handler.removeFilter(self)
        self._handlers.clear()


def install_tracing(app: web.Application, exporter: SpanExporter | None = None) -> None:
    """Trace this app's requests when configured (or given an exporter); call before it starts."""
    from chirp.server.keys import SETTINGS, TRACING

    settings = app[SETTINGS]
    if exporter is None and not (settings.tracing_otlp_endpoint or settings.tracing_gcp_project):
        return
    tracing = app[TRACING] = Tracing(settings, exporter)
    app.middlewares.insert(0, tracing.middleware())
    tracing.log_fields.install()
    app.on_cleanup.append(tracing.close)


def _traced_call(method: Method, tracer: Tracer, span_name: str) -> Method:
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind

    current_span = trace.get_current_span

    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        if not current_span().is_recording():
            return await method(*args, **kwargs)
        with tracer.start_as_current_span(span_name, kind=SpanKind.CLIENT) as span:
            context = span.get_span_context()
            traceparent = (
                f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
            )
            event = kwargs.get("event")
            if isinstance(event, Event):
                event.payload[EVENT_TRACE] = traceparent
            elif callable(event):  # built from what the write found (`Store.delete_status`)
                kwargs["event"] = _stamped(event, traceparent)
            return await method(*args, **kwargs)

    return call


def _stamped(build: Callable[..., Event], traceparent: str) -> Callable[..., Event]:
    def stamped(*args: Any) -> Event:
        event = build(*args)
        event.payload[EVENT_TRACE] = traceparent
        return event

    return stamped
