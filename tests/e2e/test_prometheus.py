"""Debian's `prometheus` scrapes `chirp serve --workers 2`: the key series exist, for both
workers, with plausible values; the alerting rules load; every dashboard query evaluates."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import connect

from tests.e2e.process import ChirpProcess, free_port, register
from tests.helpers import require_tool
from tests.redis_server import redis_server

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"


@contextmanager
def prometheus(workdir: Path, target: str) -> Iterator[str]:
    """A real Prometheus scraping `target` every second, with Chirp's rules; yields its URL."""
    binary = require_tool("prometheus", "prometheus")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus.yml"
    config.write_text(
        json.dumps(  # YAML is a superset of JSON
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(MONITORING / "alerts.yaml")],
                "scrape_configs": [
                    {"job_name": "chirp", "static_configs": [{"targets": [target]}]}
                ],
            }
        )
    )
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"prometheus did not start:\n{(workdir / 'prometheus.log').read_text()}"
                )
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def query(url: str, expr: str) -> list[dict[str, Any]]:
    response = requests.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10)
    body = response.json()
    assert body["status"] == "success", (expr, body)
    return list(body["data"]["result"])


def scalar(url: str, expr: str) -> float | None:
    result = query(url, expr)
    return float(result[0]["value"][1]) if result else None


def eventually(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"Prometheus never saw {what}")
        time.sleep(0.5)


def test_prometheus_scrapes_every_worker(tmp_path: Path) -> None:
    require_tool("prometheus", "prometheus")
    metrics_port = free_port()
    with redis_server(tmp_path / "redis") as bus:
        env = {
            "CHIRP_BUS": bus,
            "CHIRP_WORKERS": "2",
            "CHIRP_METRICS_PORT": str(metrics_port),
            "CHIRP_METRICS_SAMPLE_SECONDS": "0.5",
        }
        node = ChirpProcess(tmp_path / "data", env=env).start(timeout=60)
        try:
            # The main port does not serve metrics when they have a port of their own.
            assert requests.get(f"{node.url}/metrics", timeout=5).status_code == 404
            with prometheus(tmp_path / "prometheus", f"127.0.0.1:{metrics_port}") as prom:
                drive_traffic_and_check(node, prom)
        finally:
            assert node.stop() == 0
    assert node.process is not None  # the run's metrics directory went with it
    assert not list(Path(tempfile.gettempdir()).glob(f"chirp-metrics-{node.process.pid}-*"))


def drive_traffic_and_check(node: ChirpProcess, prom: str) -> None:
    alice, bob = register(node.url, "alice"), register(node.url, "bob")
    requests.post(
        f"{node.url}/api/v1/accounts/{bob['id']}/follow",
        headers={"Authorization": f"Bearer {alice['token']}"},
        timeout=10,
    ).raise_for_status()
    stream = (
        f"ws://127.0.0.1:{node.port}/api/v1/streaming?access_token={alice['token']}&stream=user"
    )
    with connect(stream) as ws:
        eventually(
            lambda: scalar(prom, 'sum(chirp_stream_connections{transport="ws"})') == 1,
            "the open websocket",
        )
        # Each request on a fresh connection: the kernel spreads them over both workers.
        for n in range(10):
            requests.post(
                f"{node.url}/api/v1/statuses",
                headers={"Authorization": f"Bearer {bob['token']}"},
                data={"status": f"tweet {n}"},
                timeout=10,
            ).raise_for_status()
        for _ in range(10):
            requests.get(
                f"{node.url}/api/v1/timelines/home",
                headers={"Authorization": f"Bearer {alice['token']}"},
                timeout=10,
            ).raise_for_status()
        assert requests.get(f"{node.url}/api/v1/statuses/1", timeout=10).status_code == 404
        first = json.loads(ws.recv(timeout=10))
        assert first["event"] == "update"

    eventually(lambda: scalar(prom, 'up{job="chirp"}') == 1, "the target up")
    # Both workers, each its own process series.
    eventually(
        lambda: scalar(prom, 'count(process_resident_memory_bytes{job="chirp"} > 10e6)') == 2,
        "the resident memory of both workers",
    )
    assert scalar(prom, "count(process_open_fds > 5)") == 2
    assert scalar(prom, "count(process_cpu_seconds_total > 0)") == 2
    eventually(
        lambda: (
            scalar(
                prom,
                'sum(chirp_http_requests_total{method="POST",route="/api/v1/statuses",status="2xx"})',
            )
            == 10
        ),
        "the ten posts",
    )
    home = 'chirp_http_request_duration_seconds_count{route="/api/v1/timelines/home",status="2xx"}'
    # Each worker folds its figures in every sample: the other worker's may come a scrape later.
    eventually(lambda: scalar(prom, f"sum({home})") == 10, "the ten home timeline reads")
    p99 = scalar(
        prom,
        "histogram_quantile(0.99, sum by (le) (chirp_http_request_duration_seconds_bucket"
        '{route="/api/v1/timelines/home"}))',
    )
    assert p99 is not None and 0 < p99 <= 10
    missing = 'sum(chirp_http_requests_total{route="/api/v1/statuses/{id}",status="4xx"})'
    eventually(lambda: scalar(prom, missing) == 1, "the 404")
    # Fan-out: every tweet reached the home feeds, within seconds.
    eventually(
        lambda: (
            scalar(prom, 'sum(chirp_outbox_event_lag_seconds_count{kind="status.created"})') == 10
        ),
        "the fan-out of the ten tweets",
    )
    lag = scalar(
        prom,
        'sum(chirp_outbox_event_lag_seconds_sum{kind="status.created"})'
        ' / sum(chirp_outbox_event_lag_seconds_count{kind="status.created"})',
    )
    assert lag is not None and 0 <= lag < 30
    eventually(
        lambda: (
            scalar(prom, "chirp_outbox_backlog") == 0
            and scalar(prom, "chirp_outbox_oldest_event_age_seconds") == 0
        ),
        "an empty outbox",
    )
    assert scalar(prom, "chirp_store_up") == 1
    assert scalar(prom, "chirp_bus_up") == 1
    # The bus: published through Redis, delivered to the worker holding the websocket.
    published = 'sum(chirp_bus_call_duration_seconds_count{method="publish"})'
    eventually(lambda: (scalar(prom, published) or 0) >= 10, "the publishes")
    eventually(
        lambda: (scalar(prom, "sum(chirp_bus_delivery_lag_seconds_count)") or 0) >= 1,
        "a delivery through Redis",
    )
    eventually(
        lambda: (scalar(prom, "sum(chirp_stream_frames_delivered_total)") or 0) >= 1,
        "the frames delivered",
    )
    claims = 'sum(chirp_store_call_duration_seconds_count{method="claim_events"})'
    eventually(lambda: (scalar(prom, claims) or 0) >= 1, "the dispatcher's claims")
    eventually(
        lambda: scalar(prom, 'sum(chirp_stream_connections{transport="ws"})') == 0,
        "the websocket closed",
    )
    # Labels stay bounded: no id or user name in any label value.
    for series in query(prom, '{job="chirp"}'):
        values = [v for k, v in series["metric"].items() if k not in ("instance", "pid")]
        assert not any(alice["id"] in v or "alice" in v or "bob" in v for v in values), series

    check_rules_and_dashboard(prom)


def check_rules_and_dashboard(prom: str) -> None:
    groups = requests.get(f"{prom}/api/v1/rules", timeout=10).json()["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert {g["name"] for g in groups} == {"chirp.recording", "chirp.alerts"}
    eventually(
        lambda: all(
            rule.get("health") == "ok"
            for group in requests.get(f"{prom}/api/v1/rules", timeout=10).json()["data"]["groups"]
            for rule in group["rules"]
        ),
        "every rule evaluated",
    )
    assert len(rules) == 15
    firing = [
        a["labels"]["alertname"]
        for a in requests.get(f"{prom}/api/v1/alerts", timeout=10).json()["data"]["alerts"]
    ]
    assert (
        "ChirpDown" not in firing
        and "ChirpStoreDown" not in firing
        and "ChirpRedisDown" not in firing
    )
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 15
    for expr in exprs:
        query(prom, expr.replace("$__rate_interval", "1m").replace('job=~"$job"', 'job="chirp"'))
