"""Rate limits hold across nodes: two `chirp serve` processes sharing one real Redis count
every budget together (per token, per IP, the login back-off), so a client gains nothing by
spreading its requests over the nodes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.process import ChirpProcess, register
from tests.helpers import PASSWORD
from tests.redis_server import redis_server


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[ChirpProcess, ChirpProcess]]:
    with redis_server(tmp_path / "redis") as redis_url:
        shared = {
            "CHIRP_BUS": redis_url,
            "CHIRP_STORE": f"sqlite:///{tmp_path / 'shared.db'}",
            "CHIRP_RATE_LIMITS": "true",
            "CHIRP_RATE_LIMIT_API": "10",
            "CHIRP_RATE_LIMIT_API_PERIOD_SECONDS": "3600",  # no window ends mid-test
            "CHIRP_RATE_LIMIT_API_IP": "40",
            "CHIRP_RATE_LIMIT_SIGN_UPS": "100",
            "CHIRP_LOGIN_FAILURES_FREE": "2",
            "CHIRP_LOGIN_BACKOFF_BASE_SECONDS": "60",
        }
        a = ChirpProcess(
            tmp_path / "a", name="node-a", env={**shared, "CHIRP_NODE_ID": "1"}
        ).start()
        b = ChirpProcess(tmp_path / "b", name="node-b", env={**shared, "CHIRP_NODE_ID": "2"})
        try:
            b.start()
            yield a, b
        finally:
            b.stop()
            a.stop()


def test_a_token_budget_is_shared_by_the_nodes(
    two_nodes: tuple[ChirpProcess, ChirpProcess],
) -> None:
    a, b = two_nodes
    user = register(a.url, "alice")
    headers = {"Authorization": f"Bearer {user['token']}"}
    remaining = []
    for n in range(20):
        node = (a, b)[n % 2]
        response = requests.get(f"{node.url}/api/v1/timelines/home", headers=headers, timeout=10)
        if response.status_code == 429:
            break
        assert response.status_code == 200, response.text
        assert response.headers["X-RateLimit-Limit"] == "10"
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    # One counter: the nodes' answers count down together to 0, not each from 10.
    assert len(remaining) >= 5  # signing up used a few of the 10
    assert remaining == list(range(remaining[0], -1, -1))
    for node in (a, b):
        response = requests.get(f"{node.url}/api/v1/timelines/home", headers=headers, timeout=10)
        assert response.status_code == 429
        assert response.json() == {"error": "Too many requests"}
        assert int(response.headers["Retry-After"]) >= 1


def test_failed_logins_back_off_on_every_node(two_nodes: tuple[ChirpProcess, ChirpProcess]) -> None:
    a, b = two_nodes
    user = register(a.url, "bob")

    def grant(node: ChirpProcess, password: str) -> requests.Response:
        return requests.post(
            f"{node.url}/oauth/token",
            data={
                "grant_type": "password",
                "client_id": user["client_id"],
                "client_secret": user["client_secret"],
                "username": "bob",
                "password": password,
            },
            timeout=10,
        )

    assert grant(a, "wrong").status_code == 400
    assert grant(b, "wrong").status_code == 400
    assert grant(a, "wrong").status_code == 400  # the third: the back-off starts
    blocked = grant(b, PASSWORD)  # on the other node, with the right password
    assert blocked.status_code == 429
    assert 55 <= int(blocked.headers["Retry-After"]) <= 60
