"""The pieces under `/metrics`: the timing proxy, and the multi-process directory."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from chirp.observability.metrics import MULTIPROC_ENV, ChirpMetrics, Tally, timed
from chirp.observability.multiproc import PREFIX, multiprocess_dir


class Backend:
    limit = 3

    def __init__(self) -> None:
        self.calls = 0

    async def fetch(self, value: int) -> int:
        self.calls += 1
        return value * 2

    async def broken(self) -> None:
        raise ValueError("down")

    async def slow(self) -> None:
        await asyncio.sleep(10)

    def plain(self) -> str:
        return "sync"


def proxied(backend: Backend) -> tuple[ChirpMetrics, Backend]:
    metrics = ChirpMetrics()
    return metrics, timed(backend, metrics, metrics.store_seconds, metrics.store_errors)


async def test_timed_methods_are_observed_by_name_and_the_rest_pass_through() -> None:
    backend = Backend()
    metrics, proxy = proxied(backend)
    assert await proxy.fetch(21) == 42
    assert await proxy.fetch(1) == 2
    assert proxy.plain() == "sync" and proxy.limit == 3
    with pytest.raises(ValueError, match="down"):
        await proxy.broken()
    task = asyncio.create_task(proxy.slow())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    get = metrics.registry.get_sample_value
    seconds = "chirp_store_call_duration_seconds_count"
    assert get(seconds, {"method": "fetch"}) == 0  # counted, not yet flushed
    metrics.flush()
    assert get(seconds, {"method": "fetch"}) == 2
    assert get(seconds, {"method": "broken"}) == 1
    assert get("chirp_store_call_errors_total", {"method": "broken"}) == 1
    assert get("chirp_store_call_errors_total", {"method": "slow"}) == 0  # the caller left
    assert get(seconds, {"method": "plain"}) is None
    assert backend.calls == 2


async def test_replacing_a_method_on_the_proxy_reaches_the_target() -> None:
    backend = Backend()
    _, proxy = proxied(backend)
    assert await proxy.fetch(1) == 2

    async def replaced(value: int) -> int:
        return -value

    proxy.fetch = replaced
    assert await proxy.fetch(5) == -5
    assert backend.fetch is replaced


@pytest.mark.parametrize("values", [[0.0, 0.001, 0.0042, 0.3, 2.5, 99.0], [5e-05] * 7, []])
def test_a_flushed_tally_equals_the_same_observations_made_one_by_one(
    values: list[float],
) -> None:
    registry = CollectorRegistry()
    buckets = (0.001, 0.005, 0.1, 2.5)
    one_by_one = Histogram("one", "o", ["m"], buckets=buckets, registry=registry)
    tallied = Histogram("two", "t", ["m"], buckets=buckets, registry=registry)
    tally, child = Tally(tallied.labels("x")), one_by_one.labels("x")
    for value in values:
        child.observe(value)
        tally.observe(value)
    tally.flush()
    tally.flush()  # nothing twice
    expected = [(s.name[3:], s.labels, s.value) for s in next(iter(one_by_one.collect())).samples]
    got = [(s.name[3:], s.labels, s.value) for s in next(iter(tallied.collect())).samples]
    assert [g for g in got if "created" not in g[0]] == [
        e for e in expected if "created" not in e[0]
    ]


def test_the_multiprocess_directory_is_private_and_removed_on_exit() -> None:
    assert MULTIPROC_ENV not in os.environ
    with multiprocess_dir() as path:
        assert os.environ[MULTIPROC_ENV] == str(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
        assert list(path.iterdir()) == []
        metrics = ChirpMetrics()
        assert metrics.multiprocess
        metrics.request_done("GET", "/api/v1/instance", 200, 0.01)
        metrics.flush()
        assert list(path.glob("*.db"))
        # Another process writing to the same directory is summed in.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from chirp.observability.metrics import ChirpMetrics;"
                "m = ChirpMetrics(); m.request_done('GET', '/api/v1/instance', 204, 0.02); m.flush()",
            ],
            check=True,
            env={**os.environ},
        )
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        text = generate_latest(registry).decode()
        line = 'chirp_http_requests_total{method="GET",route="/api/v1/instance",status="2xx"} 2.0'
        assert line in text
    assert not path.exists()
    assert MULTIPROC_ENV not in os.environ
    assert not ChirpMetrics().multiprocess


def test_a_killed_runs_directory_is_removed_at_the_next_start() -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    abandoned = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{int(dead.stdout)}-"))
    (abandoned / "counter_1.db").write_bytes(b"old")
    alive = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    try:
        with multiprocess_dir():
            assert not abandoned.exists()
            assert alive.exists()  # its server (this process) still runs
    finally:
        alive.rmdir()
