"""`/metrics` against the app: what is counted, with which (bounded) labels."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from chirp.core.errors import RateLimited
from chirp.observability.server import metrics_app
from chirp.server.keys import DISPATCHER, METRICS
from tests.helpers import User, follow, post

ClientFactory = Callable[..., Awaitable[TestClient]]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"metrics_sample_seconds": 0.05}


async def scrape(client: TestClient, path: str = "/metrics") -> Samples:
    response = await client.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[sample.name, frozenset(sample.labels.items())] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def until(client: TestClient, check: Callable[[Samples], bool]) -> Samples:
    for _ in range(100):
        samples = await scrape(client)
        if check(samples):
            return samples
        await asyncio.sleep(0.05)
    raise AssertionError(f"the metrics never showed it: {sorted(samples.items())}")


async def test_requests_are_counted_by_route_template_and_status_class(
    client: TestClient, alice: User
) -> None:
    tweet = await post(client, alice, "hello")
    assert (await client.get(f"/api/v1/statuses/{tweet['id']}")).status == 200
    assert (await client.get("/api/v1/statuses/12345")).status == 404
    assert (await client.get("/no/such/page")).status == 404
    samples = await scrape(client)
    route = "/api/v1/statuses/{id}"
    assert value(samples, "chirp_http_requests_total", method="GET", route=route, status="2xx")
    assert value(samples, "chirp_http_requests_total", method="GET", route=route, status="4xx")
    assert value(
        samples, "chirp_http_requests_total", method="GET", route="unmatched", status="4xx"
    )
    posted = value(
        samples,
        "chirp_http_request_duration_seconds_count",
        method="POST",
        route="/api/v1/statuses",
        status="2xx",
    )
    assert posted == 1
    # No id and no user name ever becomes a label value.
    labels = {v for _, pairs in samples for _, v in pairs}
    assert not any(tweet["id"] in v or "12345" in v or "alice" in v for v in labels)
    assert value(samples, "chirp_http_requests_in_flight") == 1  # the scrape itself


async def test_the_outbox_backlog_and_fan_out_lag_are_measured(
    app: web.Application, client: TestClient, alice: User, bob: User, drain: Any
) -> None:
    await follow(client, alice, bob)
    await post(client, bob, "to alice's home feed")
    await drain()
    samples = await scrape(client)
    assert value(samples, "chirp_store_up") == 1
    assert value(samples, "chirp_bus_up") == 1
    assert value(samples, "chirp_outbox_backlog") == 0
    assert value(samples, "chirp_outbox_oldest_event_age_seconds") == 0
    assert value(samples, "chirp_live_streams_on_air") == 0
    assert value(samples, "chirp_live_viewers") == 0
    lag = value(samples, "chirp_outbox_event_lag_seconds_count", kind="status.created")
    assert lag == 1
    total = value(samples, "chirp_outbox_event_lag_seconds_sum", kind="status.created")
    assert total is not None and 0 <= total < 30
    assert value(samples, "chirp_store_call_duration_seconds_count", method="claim_events")
    assert value(samples, "chirp_bus_call_duration_seconds_count", method="publish")


async def test_a_waiting_event_shows_in_the_backlog_with_its_age(
    app: web.Application, client: TestClient, alice: User, drain: Any
) -> None:
    await drain()
    async with app[DISPATCHER]._batch_lock:
        await post(client, alice, "waiting")
        await asyncio.sleep(0.05)
        samples = await scrape(client)
    assert value(samples, "chirp_outbox_backlog") == 1
    age = value(samples, "chirp_outbox_oldest_event_age_seconds")
    assert age is not None and 0.04 <= age < 30


async def test_streams_are_counted_by_transport_and_stream_type(
    client: TestClient, alice: User, bob: User, drain: Any
) -> None:
    await follow(client, alice, bob)
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        await until(
            client,
            lambda s: (
                value(s, "chirp_stream_connections", transport="ws") == 1
                and value(s, "chirp_stream_subscriptions", stream="user") == 1
            ),
        )
        await post(client, bob, "live")
        await drain()
        await ws.receive_json(timeout=5)
        samples = await until(
            client, lambda s: (value(s, "chirp_stream_frames_delivered_total") or 0) >= 1
        )
        assert value(samples, "chirp_bus_events_received_total")
    # The websocket lasted as long as the client: counted when it ends (101, or 499 when the
    # client's leaving cancelled it), never timed.
    samples = await until(
        client,
        lambda s: (
            value(s, "chirp_stream_connections", transport="ws") == 0
            and value(s, "chirp_stream_subscriptions", stream="user") == 0
            and streaming(s, "chirp_http_requests_total") == 1
        ),
    )
    assert streaming(samples, "chirp_http_request_duration_seconds_count") == 0


def streaming(samples: Samples, name: str) -> float:
    return sum(
        v
        for (n, labels), v in samples.items()
        if n == name and ("route", "/api/v1/streaming") in labels
    )


async def test_process_and_gc_figures_are_sampled(client: TestClient) -> None:
    samples = await until(
        client, lambda s: (value(s, "process_resident_memory_bytes") or 0) > 1_000_000
    )
    assert (value(samples, "process_open_fds") or 0) > 0
    assert (value(samples, "process_cpu_seconds_total") or 0) > 0
    assert value(samples, "chirp_media_jobs_running") == 0
    assert value(samples, "chirp_live_streams") == 0
    gc.collect()
    await until(
        client, lambda s: (value(s, "chirp_gc_pause_seconds_count", generation="2") or 0) >= 1
    )


@pytest.mark.parametrize("settings_overrides", [{"metrics_enabled": False}])
async def test_metrics_can_be_turned_off(app: web.Application, client: TestClient) -> None:
    response = await client.get("/metrics")
    assert response.status == 404
    assert await response.json() == {"error": "Not found"}
    assert METRICS not in app


@pytest.mark.parametrize("settings_overrides", [{"metrics_port": 9464}])
async def test_metrics_on_their_own_port_leave_the_main_one(
    aiohttp_client: ClientFactory, app: web.Application, client: TestClient, alice: User
) -> None:
    assert (await client.get("/metrics")).status == 404
    own = await aiohttp_client(metrics_app(app))
    samples = await scrape(own)
    assert value(
        samples,
        "chirp_http_requests_total",
        method="POST",
        route="/api/v1/accounts",
        status="2xx",
    )


async def test_rate_limit_rejections_are_counted_by_route(
    aiohttp_client: ClientFactory, app: web.Application
) -> None:
    async def limited(request: web.Request) -> web.Response:
        raise RateLimited("slow down", retry_after=3)

    app.router.add_get("/test/limited/{id}", limited)
    client = await aiohttp_client(app)
    for _ in range(2):
        assert (await client.get("/test/limited/42")).status == 429
    samples = await scrape(client)
    assert value(samples, "chirp_http_rate_limited_total", route="/test/limited/{id}") == 2


async def test_sse_streams_are_counted_apart_from_websockets(
    client: TestClient, alice: User
) -> None:
    response = await client.get(f"/api/v1/streaming/public/local?access_token={alice.token}")
    assert response.status == 200
    assert await response.content.readline() == b":)\n"
    samples = await until(
        client,
        lambda s: (
            value(s, "chirp_stream_connections", transport="sse") == 1
            and value(s, "chirp_stream_subscriptions", stream="public:local") == 1
        ),
    )
    assert value(samples, "chirp_stream_connections", transport="ws") == 0
    assert value(samples, "chirp_http_requests_in_flight") == 1  # the scrape, not the stream
    response.close()
    await until(client, lambda s: value(s, "chirp_stream_connections", transport="sse") == 0)


async def test_render_cache_hits_and_misses_are_counted(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "rendered once, then kept")
    for _ in range(3):
        assert (await client.get(f"/api/v1/statuses/{tweet['id']}")).status == 200
    samples = await until(
        client,
        lambda s: (value(s, "chirp_render_cache_lookups_total", result="hit") or 0) >= 2,
    )
    assert (value(samples, "chirp_render_cache_lookups_total", result="miss") or 0) >= 1
