"""What watching costs, measured per operation (not through a busy machine's noise):

    .venv/bin/python -m bench.metrics_cost

1. The CPU time of each hook on a hot path, in prometheus-client's multi-process mode (as under
   `chirp serve`): a request's count and latency, a store call through the timing proxy against
   the same call made directly, a bus message through the deliver hook; and a flush, which the
   sampler makes every few seconds.
2. How many of those one request makes: an in-process app serves a home-timeline read and a
   post (as `bench.rest` does) and its metrics say how many store calls each made.
3. The product, set against the server CPU per request that `bench.rest` reports (`--cpu-ms`).

Results go to bench/results/metrics_cost.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from bench.rest import MIX
from chirp.core.ports.bus import Message
from chirp.observability.metrics import ChirpMetrics
from chirp.observability.multiproc import multiprocess_dir
from chirp.observability.server import stream_started
from chirp.server import create_app
from chirp.server.keys import DISPATCHER, METRICS
from tests.helpers import follow, make_settings, post, sign_up

RESULTS = Path(__file__).parent / "results" / "metrics_cost.json"


class Backend:
    async def get(self, key: int) -> int:
        return key


def per_op_us(fn: Any, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - started) / n * 1e6


async def store_call_overhead_us(metrics: ChirpMetrics, n: int) -> float:
    direct, timed = Backend(), metrics.observe_store(Backend())

    async def loop(target: Backend) -> float:
        started = time.process_time()
        for i in range(n):
            await target.get(i)
        return time.process_time() - started

    await loop(direct), await loop(timed)  # warm up
    spent = [await loop(direct) - await loop(timed) for _ in range(3)]
    return -sorted(spent)[1] / n * 1e6


async def response_signal_us(metrics: ChirpMetrics, n: int) -> float:
    """`on_response_prepare`'s look at each response (is it a stream?)."""
    started_hook = stream_started(metrics)
    request = make_mocked_request("GET", "/api/v1/timelines/home")
    response = web.Response(text="[]", content_type="application/json")
    started = time.process_time()
    for _ in range(n):
        await started_hook(request, response)
    return (time.process_time() - started) / n * 1e6


async def calls_per_request() -> dict[str, float]:
    """Store calls (the dispatcher's polling excluded) made by one home read and one post."""
    app = create_app(make_settings(metrics_sample_seconds=3600))
    async with TestClient(TestServer(app)) as client:
        author, reader = await sign_up(client), await sign_up(client)
        await follow(client, reader, author)
        for n in range(20):
            await post(client, author, f"tweet {n}")
        await app[DISPATCHER].drain()
        metrics = app[METRICS]
        busy = {"lead_dispatch", "count_due_events", "claim_events", "complete_events"}

        def store_calls() -> float:
            metrics.flush()
            total = 0.0
            for family in metrics.registry.collect():
                if family.name == "chirp_store_call_duration_seconds":
                    total += sum(
                        s.value
                        for s in family.samples
                        if s.name.endswith("_count") and s.labels["method"] not in busy
                    )
            return total

        before = store_calls()
        for _ in range(20):
            response = await client.get("/api/v1/timelines/home", headers=reader.headers)
            assert response.status == 200
        home = (store_calls() - before) / 20
        before = store_calls()
        for n in range(20):
            await post(client, author, f"more {n}")
        await app[DISPATCHER].drain()  # the fan-out's own calls count too
        posting = (store_calls() - before) / 20
        # The other reads of bench.rest's realistic mix, each as its share there.
        tweets = await (
            await client.get(f"/api/v1/accounts/{author.id}/statuses", headers=reader.headers)
        ).json()
        oldest = tweets[-1]["id"]
        reads = {
            "home_older": f"/api/v1/timelines/home?limit=20&max_id={oldest}",
            "account": f"/api/v1/accounts/{author.id}/statuses?limit=20",
            "thread": f"/api/v1/statuses/{oldest}/context",
            "status": f"/api/v1/statuses/{oldest}",
            "notifications": "/api/v1/notifications?limit=20",
        }
        per_kind = {"home": home, "post": posting}
        for kind, path in reads.items():
            before = store_calls()
            for _ in range(20):
                response = await client.get(path, headers=reader.headers)
                assert response.status == 200, (path, response.status)
            per_kind[kind] = (store_calls() - before) / 20
    mix = sum(MIX[kind] * calls for kind, calls in per_kind.items())
    return {"home_timeline": home, "post_status": posting, "mix": mix}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000, help="iterations per hook")
    parser.add_argument(
        "--cpu-ms",
        default="home_timeline=0.79,post_status=2.52,mix=1.5",
        help="server CPU ms per request with metrics off (bench.rest's CPU ms column;"
        " mix: `bench.rest --metrics off`)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    cpu_ms = {k: float(v) for k, v in (p.split("=") for p in args.cpu_ms.split(","))}
    loadavg_before = Path("/proc/loadavg").read_text().split()[:3]
    with multiprocess_dir():
        metrics = ChirpMetrics()
        request_us = per_op_us(
            lambda: metrics.request_done("GET", "/api/v1/timelines/home", 200, 0.004), args.n
        )

        def in_flight() -> None:
            metrics.in_flight_now += 1
            metrics.in_flight_now -= 1

        in_flight_us = per_op_us(in_flight, args.n)
        store_us = asyncio.run(store_call_overhead_us(metrics, args.n))
        response_us = asyncio.run(response_signal_us(metrics, args.n))
        deliver = metrics.observe_deliver(lambda topics, message: None, timestamped=True)
        messages = [Message(f"{1_700_000_000_000 + i}-0", "update", "{}") for i in range(args.n)]
        started = time.process_time()
        for message in messages:
            deliver(("user:1",), message)
        deliver_us = (time.process_time() - started) / args.n * 1e6
        # What the sampler pays every few seconds to fold it all into the shared files.
        flush_ms = per_op_us(metrics.flush, 100) / 1000
    calls = asyncio.run(calls_per_request())
    fixed_us = request_us + in_flight_us + response_us  # every request pays these once
    per_request = {
        name: {
            "store_calls": round(calls[name], 1),
            "metrics_us": round(fixed_us + calls[name] * store_us, 1),
            "cpu_ms_off": cpu_ms[name],
            "share": round((fixed_us + calls[name] * store_us) / (cpu_ms[name] * 1e3), 4),
        }
        for name in calls
    }
    result = {
        "benchmark": "metrics_cost",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "loadavg_before": loadavg_before,
        "loadavg_after": Path("/proc/loadavg").read_text().split()[:3],
        "hook_us": {
            "request_count_and_latency": round(request_us, 2),
            "in_flight_inc_dec": round(in_flight_us, 2),
            "response_prepare_check": round(response_us, 2),
            "store_call_proxy": round(store_us, 2),
            "bus_message_deliver_hook": round(deliver_us, 2),
        },
        "flush_ms": round(flush_ms, 3),
        "per_request": per_request,
    }
    print(json.dumps(result, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
