"""Scheduled posts across nodes: two `chirp serve` processes share one store (one SQLite data
directory) and a real Redis; each scheduled post is published exactly once, whichever node's
dispatcher takes it, also when a node restarts and when both were down at the due time.

A post must be scheduled five minutes ahead (as Mastodon), and the test does not wait that
long: it brings each post's due event forward in the shared outbox, as a clock moving on would
(publication then runs exactly as at the scheduled time)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.e2e.process import ChirpProcess, register
from tests.redis_server import redis_server


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[ChirpProcess, ChirpProcess]]:
    with redis_server(tmp_path / "redis") as redis_url:
        data = tmp_path / "data"
        a = ChirpProcess(data, name="node-a", env={"CHIRP_BUS": redis_url, "CHIRP_NODE_ID": "1"})
        b = ChirpProcess(data, name="node-b", env={"CHIRP_BUS": redis_url, "CHIRP_NODE_ID": "2"})
        a.start()
        try:
            b.start()
            yield a, b
        finally:
            b.stop()
            a.stop()


def _bring_forward(db: Path, scheduled_id: str) -> None:
    """The post's due event is due now (its `scheduled_at` stays as the client set it)."""
    with sqlite3.connect(db, timeout=30) as conn:
        changed = conn.execute(
            "UPDATE outbox SET available_at = ? WHERE kind = 'scheduled_status.due'"
            " AND json_extract(payload, '$.scheduled_id') = ?",
            (datetime.now(UTC).isoformat(), int(scheduled_id)),
        ).rowcount
    assert changed == 1


def _published(node: ChirpProcess, headers: dict[str, str], account_id: str) -> list[str]:
    response = requests.get(
        f"{node.url}/api/v1/accounts/{account_id}/statuses",
        headers=headers,
        params={"limit": 40},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return [s["content"] for s in response.json()]


def _wait_published(
    node: ChirpProcess, headers: dict[str, str], account_id: str, text: str
) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if any(text in c for c in _published(node, headers, account_id)):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} was not published")


def test_a_scheduled_post_is_published_once_across_nodes_and_restarts(
    nodes: tuple[ChirpProcess, ChirpProcess],
) -> None:
    a, b = nodes
    db = a.data_dir / "chirp.db"
    ada = register(a.url, "ada", scopes="read write")
    headers = {"Authorization": f"Bearer {ada['token']}"}
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    scheduled = []
    for n in range(3):
        node = (a, b)[n % 2]
        response = requests.post(
            f"{node.url}/api/v1/statuses",
            headers=headers,
            json={"status": f"scheduled {n}", "scheduled_at": at},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        scheduled.append(response.json()["id"])

    # Both nodes running: one of them publishes it.
    _bring_forward(db, scheduled[0])
    _wait_published(b, headers, ada["id"], "scheduled 0")

    # One node restarts while the post falls due: the other (or it, back) publishes it.
    a.stop()
    _bring_forward(db, scheduled[1])
    a.start()
    _wait_published(a, headers, ada["id"], "scheduled 1")

    # Both down at the due time: the post waits in the store for the first node back.
    a.stop()
    b.stop()
    _bring_forward(db, scheduled[2])
    b.start()
    a.start()
    _wait_published(a, headers, ada["id"], "scheduled 2")

    time.sleep(2)  # time for a second copy to appear, if any node were to publish one
    for node in (a, b):
        contents = _published(node, headers, ada["id"])
        assert sorted(contents) == sorted(f"<p>scheduled {n}</p>" for n in range(3)), contents
        left = requests.get(f"{node.url}/api/v1/scheduled_statuses", headers=headers, timeout=10)
        assert left.json() == []
