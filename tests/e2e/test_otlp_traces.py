"""`chirp serve` with CHIRP_TRACING_OTLP_ENDPOINT sends its spans by OTLP/HTTP: here to a small
OTLP receiver (the protocol's own protobuf messages), as it would to a collector."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.e2e.process import ChirpProcess, register

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
POST_TRACE_ID = "5b8efff798038103d269b633813fc60c"


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, list[Span]]]:
    """An OTLP/HTTP traces endpoint; yields its URL and the spans received so far."""
    received: list[Span] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            assert self.path == "/v1/traces"
            assert self.headers["Content-Type"] == "application/x-protobuf"
            export = ExportTraceServiceRequest.FromString(body)
            for resource in export.resource_spans:
                for scope in resource.scope_spans:
                    received.extend(scope.spans)
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces", received
    finally:
        server.shutdown()
        server.server_close()


def test_spans_reach_an_otlp_endpoint_continuing_the_callers_trace_to_the_side_effects(
    tmp_path: Path,
) -> None:
    with otlp_receiver() as (endpoint, spans):
        env = {
            "CHIRP_TRACING_OTLP_ENDPOINT": endpoint,
            "CHIRP_TRACING_GCP_PROJECT": "chirp-test",
            "CHIRP_LOG_LEVEL": "INFO",
            "OTEL_BSP_SCHEDULE_DELAY": "100",  # export batches every 0.1 s, not every 5 s
        }
        node = ChirpProcess(tmp_path / "data", env=env).start(timeout=60)
        try:
            user = register(node.url, "tracy")
            response = requests.get(
                f"{node.url}/api/v1/timelines/home",
                headers={
                    "Authorization": f"Bearer {user['token']}",
                    "traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01",
                },
                timeout=10,
            )
            assert response.status_code == 200
            posted = requests.post(
                f"{node.url}/api/v1/statuses",
                headers={
                    "Authorization": f"Bearer {user['token']}",
                    "traceparent": f"00-{POST_TRACE_ID}-{PARENT_ID}-01",
                },
                data={"status": "traced through the outbox"},
                timeout=10,
            )
            assert posted.status_code == 200
            deadline = time.monotonic() + 20
            while not (
                [s for s in spans if s.trace_id.hex() == TRACE_ID]
                and [s for s in spans if s.name == "outbox status.created"]
            ):
                assert time.monotonic() < deadline, [s.name for s in spans]
                time.sleep(0.1)
        finally:
            assert node.stop() == 0
        ours = [s for s in spans if s.trace_id.hex() == TRACE_ID]
        (request,) = [s for s in ours if s.name == "GET /api/v1/timelines/home"]
        assert request.parent_span_id.hex() == PARENT_ID
        assert request.kind == Span.SPAN_KIND_SERVER
        store = [s for s in ours if s.name.startswith("store.")]
        assert store and all(s.parent_span_id == request.span_id for s in store)
        # The post's side effects, run by the dispatcher after the response, in its trace.
        post_spans = [s for s in spans if s.trace_id.hex() == POST_TRACE_ID]
        (written,) = [s for s in post_spans if s.name == "store.create_status"]
        (handled,) = [s for s in post_spans if s.name == "outbox status.created"]
        assert handled.parent_span_id == written.span_id
        assert handled.kind == Span.SPAN_KIND_CONSUMER
        # The request's access log line names the trace as Cloud Logging expects.
        lines = [json.loads(line) for line in node.logs().splitlines() if line.startswith("{")]
        (access,) = [
            line
            for line in lines
            if line.get("httpRequest", {}).get("requestUrl") == "/api/v1/timelines/home"
        ]
        assert access["logging.googleapis.com/trace"] == f"projects/chirp-test/traces/{TRACE_ID}"
        assert access["logging.googleapis.com/spanId"] == request.span_id.hex()
