"""What the rate limiter costs a request, measured in-process: the middleware's own work
(client IP, one counter hit, the tightest tally, the headers) on an API request with a token,
against the same request with limits off. Both counter backends: this process's memory, and a
real `redis-server` (one MULTI round trip per hit) started for the run.

The request's token is looked up by the limiter and handed to the handler (which would look it
up anyway), so that lookup is not part of the limiter's cost and is left out here.

    .venv/bin/python -m bench.rate_limits [--requests 20000] [--out bench/results/rate_limits.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from chirp.config import Settings
from chirp.limits import open_limiter
from chirp.server import rate_limits as rate_limits_module
from chirp.server.rate_limits import RATE_LIMITS, RateLimits, add_rate_limit_headers, rate_limits

BENCH = Path(__file__).parent


async def _ok(request: web.Request) -> web.StreamResponse:
    return web.Response(text="{}")


async def _cpu_per_request(app: web.Application, requests: int) -> float:
    """Process CPU microseconds per request through the middleware (median of 5 rounds)."""
    rounds = []
    for _ in range(5):
        # One request, handled again and again: building mocked requests costs far more than
        # what is measured (the limiter overwrites its tally on the request each time).
        request = make_mocked_request("GET", "/api/v1/instance", app=app)
        started = time.process_time()
        for _ in range(requests // 5):
            response = await rate_limits(request, _ok)
            await add_rate_limit_headers(request, response)
        rounds.append((time.process_time() - started) / (requests // 5) * 1e6)
    return sorted(rounds)[2]


async def _measure(bus: str, requests: int, *, max_batch: int) -> dict[str, float]:
    rate_limits_module.MAX_BATCH = max_batch
    settings = Settings(rate_limit_api_ip=10**9, bus=bus)
    off = web.Application()
    on = web.Application()
    limiter = open_limiter(bus)
    on[RATE_LIMITS] = RateLimits(settings, limiter)
    try:
        await _cpu_per_request(on, requests // 5)  # warm-up
        base = await _cpu_per_request(off, requests)
        limited = await _cpu_per_request(on, requests)
    finally:
        await limiter.close()
    return {
        "off_us": round(base, 1),
        "on_us": round(limited, 1),
        "cost_us": round(limited - base, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "rate_limits.json")
    args = parser.parse_args(argv)
    from tests.redis_server import redis_server

    batch = rate_limits_module.MAX_BATCH
    results: dict[str, Any] = {
        "memory": asyncio.run(_measure("memory://", args.requests, max_batch=batch))
    }
    with (
        tempfile.TemporaryDirectory(prefix="chirp-bench-rl-") as tmp,
        redis_server(Path(tmp)) as url,
    ):
        # Large budgets claim counts in batches (chirp's default); small ones one at a time.
        results[f"redis, batch {batch}"] = asyncio.run(
            _measure(url, args.requests, max_batch=batch)
        )
        results["redis, batch 1"] = asyncio.run(_measure(url, args.requests, max_batch=1))
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"{'counters':<18}{'off µs/req':>12}{'on µs/req':>12}{'cost µs/req':>13}")
    for name, row in results.items():
        print(f"{name:<18}{row['off_us']:>12}{row['on_us']:>12}{row['cost_us']:>13}")
    print(
        f"CPU time of this process per request; loadavg {' '.join(load)} on {os.cpu_count()} CPUs"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "benchmark": "rate_limits",
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "loadavg": load,
                },
                "requests": args.requests,
                "results": results,
            },
            indent=1,
        )
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
