"""The operations kit in deploy/monitoring: rules promtool accepts, and rules and dashboard
that only name metrics Chirp exports."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from chirp.observability.metrics import ChirpMetrics
from tests.helpers import require_tool

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
# Asked at scrape time (`chirp.observability.server`), not kept in the registry.
SCRAPED = {
    "chirp_store_up",
    "chirp_bus_up",
    "chirp_outbox_backlog",
    "chirp_outbox_oldest_event_age_seconds",
    "chirp_live_streams_on_air",
    "chirp_live_viewers",
}
SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}


def exported() -> set[str]:
    metrics = ChirpMetrics()
    metrics.sample_process()  # the process_* gauges appear on the first sample
    names = set(SCRAPED)
    for family in metrics.registry.collect():
        names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names


def named_in(text: str) -> set[str]:
    found = set(re.findall(r"\b((?:chirp|process)_[a-z0-9_]+)", text))
    return {n for n in found if not n.startswith("chirp:")}


def test_promtool_accepts_the_rules() -> None:
    promtool = require_tool("promtool", "prometheus")
    done = subprocess.run(
        [promtool, "check", "rules", str(MONITORING / "alerts.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 15 rules found" in done.stdout


def test_rules_and_dashboard_name_only_exported_metrics() -> None:
    names = exported()
    rules = (MONITORING / "alerts.yaml").read_text()
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exprs = "\n".join(t["expr"] for p in dashboard["panels"] for t in p.get("targets", []))
    for text in (rules, exprs):
        used = named_in(text)
        assert used
        unknown = {n for n in used if n not in names}
        assert unknown == set()


def test_dashboard_panels_are_well_formed() -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    graphs = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len(graphs) >= 25
    for panel in graphs:
        assert panel["datasource"]["uid"] == "${datasource}"
        assert panel["targets"]
        for target in panel["targets"]:
            assert 'job=~"$job"' in target["expr"], panel["title"]
