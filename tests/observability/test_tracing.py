"""Tracing: a span per request continuing the caller's trace (W3C or Google's header), store
calls under it, and Cloud Logging's trace fields on the request's log lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from chirp.observability.tracing import SPAN_FIELD, TRACE_FIELD, install_tracing
from chirp.server import create_app
from chirp.server.keys import DISPATCHER, TRACING
from chirp.server.logs import AccessLogger, JsonFormatter
from tests.helpers import make_settings, sign_up

ClientFactory = Callable[..., Awaitable[TestClient]]
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def app(exporter: InMemorySpanExporter) -> web.Application:
    app = create_app(make_settings(tracing_gcp_project="chirp-prod"))
    app.middlewares.pop(0)  # the tracing middleware the settings installed: the test's instead
    del app[TRACING]
    install_tracing(app, exporter)
    return app


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """JSON log lines as the server writes them (the tracing filter sits on root's handlers)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


async def served(
    aiohttp_client: ClientFactory, app: web.Application, log_lines: io.StringIO
) -> TestClient:
    for handler in logging.getLogger().handlers:  # the filter goes on handlers present at start
        handler.addFilter(app[TRACING].log_fields)
    server = TestServer(app)  # with the server's own access log
    await server.start_server(access_log_class=AccessLogger, access_log=logging.getLogger("access"))
    return await aiohttp_client(server)


def finished(app: web.Application, exporter: InMemorySpanExporter, name: str) -> ReadableSpan:
    app[TRACING].provider.force_flush()  # spans leave in batches
    spans = [s for s in exporter.get_finished_spans() if s.name == name]
    assert spans, [s.name for s in exporter.get_finished_spans()]
    return spans[-1]


async def test_a_w3c_traceparent_is_continued_with_store_calls_under_the_request(
    aiohttp_client: ClientFactory,
    app: web.Application,
    exporter: InMemorySpanExporter,
    log_lines: io.StringIO,
) -> None:
    client = await served(aiohttp_client, app, log_lines)
    response = await client.get(
        "/api/v1/statuses/123", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}
    )
    assert response.status == 404
    span = finished(app, exporter, "GET /api/v1/statuses/{id}")
    assert span.kind == SpanKind.SERVER
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert span.parent is not None and f"{span.parent.span_id:016x}" == PARENT_ID
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 404
    assert span.attributes["http.route"] == "/api/v1/statuses/{id}"
    store_calls = [s for s in exporter.get_finished_spans() if s.name.startswith("store.")]
    assert store_calls
    assert all(
        s.parent is not None and s.parent.span_id == span.context.span_id for s in store_calls
    )
    assert all(s.kind == SpanKind.CLIENT for s in store_calls)
    # The access log line carries the trace, as Cloud Logging wants it.
    access = [
        json.loads(line) for line in log_lines.getvalue().splitlines() if "httpRequest" in line
    ]
    (line,) = [a for a in access if a["httpRequest"]["requestUrl"] == "/api/v1/statuses/123"]
    assert line[TRACE_FIELD] == f"projects/chirp-prod/traces/{TRACE_ID}"
    assert line[SPAN_FIELD] == f"{span.context.span_id:016x}"


async def test_googles_cloud_trace_header_is_continued(
    aiohttp_client: ClientFactory,
    app: web.Application,
    exporter: InMemorySpanExporter,
    log_lines: io.StringIO,
) -> None:
    client = await served(aiohttp_client, app, log_lines)
    header = f"{TRACE_ID}/12345;o=1"
    assert (await client.get("/api/v1/instance", headers={"X-Cloud-Trace-Context": header})).ok
    span = finished(app, exporter, "GET /api/v1/instance")
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert span.parent is not None and span.parent.span_id == 12345


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Cloud-Trace-Context": "not-a-trace"}, {"traceparent": "00-zz-yy-01"}],
)
async def test_without_a_usable_parent_a_new_trace_starts(
    aiohttp_client: ClientFactory,
    app: web.Application,
    exporter: InMemorySpanExporter,
    log_lines: io.StringIO,
    headers: dict[str, str],
) -> None:
    client = await served(aiohttp_client, app, log_lines)
    assert (await client.get("/api/v1/instance", headers=headers)).ok
    span = finished(app, exporter, "GET /api/v1/instance")
    assert span.parent is None and span.context.trace_id != int(TRACE_ID, 16)


async def test_log_lines_inside_a_request_carry_its_trace(
    app: web.Application, log_lines: io.StringIO
) -> None:
    tracing = app[TRACING]
    for handler in logging.getLogger().handlers:
        handler.addFilter(tracing.log_fields)
    with tracing.tracer.start_as_current_span("work") as span:
        logging.getLogger("chirp.test").info("inside")
    logging.getLogger("chirp.test").info("outside")
    inside, outside = (json.loads(line) for line in log_lines.getvalue().splitlines())
    trace_id = f"{span.get_span_context().trace_id:032x}"
    assert inside[TRACE_FIELD] == f"projects/chirp-prod/traces/{trace_id}"
    assert inside["logging.googleapis.com/trace_sampled"] is True
    assert TRACE_FIELD not in outside


async def test_tracing_is_off_unless_configured(aiohttp_client: ClientFactory) -> None:
    app = create_app(make_settings())
    assert TRACING not in app
    client = await aiohttp_client(app)
    response = await client.get(
        "/api/v1/instance", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}
    )
    assert response.ok
    assert not any(getattr(m, "__name__", "") == "trace_request" for m in app.middlewares)


async def test_side_effects_join_the_trace_of_the_request_that_caused_them(
    aiohttp_client: ClientFactory,
    app: web.Application,
    exporter: InMemorySpanExporter,
    log_lines: io.StringIO,
) -> None:
    client = await served(aiohttp_client, app, log_lines)
    author = await sign_up(client, username="author")
    async with app[DISPATCHER]._batch_lock:  # the side effects wait until the request is done
        response = await client.post(
            "/api/v1/statuses",
            headers={**author.headers, "traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"},
            json={"status": "traced"},
        )
        assert response.status == 200
    await app[DISPATCHER].drain()
    written = finished(app, exporter, "store.create_status")
    handled = finished(app, exporter, "outbox status.created")
    assert f"{handled.context.trace_id:032x}" == TRACE_ID
    assert handled.parent is not None and handled.parent.span_id == written.context.span_id
    assert handled.kind == SpanKind.CONSUMER
    under = [
        s
        for s in exporter.get_finished_spans()
        if s.parent is not None and s.parent.span_id == handled.context.span_id
    ]
    assert under and all(s.name.startswith(("store.", "bus.")) for s in under)


async def test_a_deletes_side_effects_join_its_trace_too(
    aiohttp_client: ClientFactory,
    app: web.Application,
    exporter: InMemorySpanExporter,
    log_lines: io.StringIO,
) -> None:
    """A delete's event is built from what the write removed (`Store.delete_status` takes a
    builder): the trace still reaches it."""
    client = await served(aiohttp_client, app, log_lines)
    author = await sign_up(client, username="author")
    posted = await client.post("/api/v1/statuses", headers=author.headers, json={"status": "x"})
    status_id = (await posted.json())["id"]
    await app[DISPATCHER].drain()
    async with app[DISPATCHER]._batch_lock:
        response = await client.delete(
            f"/api/v1/statuses/{status_id}",
            headers={**author.headers, "traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"},
        )
        assert response.status == 200
    await app[DISPATCHER].drain()
    written = finished(app, exporter, "store.delete_status")
    handled = finished(app, exporter, "outbox status.deleted")
    assert f"{handled.context.trace_id:032x}" == TRACE_ID
    assert handled.parent is not None and handled.parent.span_id == written.context.span_id
