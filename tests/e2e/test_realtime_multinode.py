"""Two `chirp serve` nodes sharing one store and one real Redis act as one: a client streaming
from node A sees what happens on node B within a second, and a client that drops and reconnects
to the *other* node with its last position gets exactly what it missed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
import websockets

from tests.e2e.process import ChirpProcess, register
from tests.redis_server import redis_server


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[ChirpProcess, ChirpProcess]]:
    with redis_server(tmp_path / "redis") as redis_url:
        shared = {"CHIRP_BUS": redis_url, "CHIRP_STORE": f"sqlite:///{tmp_path / 'shared.db'}"}
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


def _revoke(url: str, user: dict[str, str]) -> None:
    response = requests.post(
        f"{url}/oauth/revoke",
        data={
            "client_id": user["client_id"],
            "client_secret": user["client_secret"],
            "token": user["token"],
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text


def _call(url: str, user: dict[str, str], method: str, path: str, **body: Any) -> dict[str, Any]:
    response = requests.request(
        method,
        f"{url}{path}",
        headers={"Authorization": f"Bearer {user['token']}"},
        json=body or None,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _ws_url(node: ChirpProcess, user: dict[str, str], last: str | None = None) -> str:
    url = f"ws://127.0.0.1:{node.port}/api/v1/streaming?stream=user&access_token={user['token']}"
    return f"{url}&last_event_id={last}" if last else url


async def _next(ws: Any, timeout: float) -> dict[str, Any]:
    return dict(orjson.loads(await asyncio.wait_for(ws.recv(), timeout)))


async def _scenario(a: ChirpProcess, b: ChirpProcess) -> None:
    alice, bob = register(b.url, "alice"), register(b.url, "bob")
    _call(b.url, alice, "POST", f"/api/v1/accounts/{bob['id']}/follow")

    async with websockets.connect(_ws_url(a, alice)) as ws:
        await asyncio.sleep(0.2)  # subscribed on node A
        # A tweet (with a mention) made through node B...
        started = time.monotonic()
        tweet = _call(b.url, bob, "POST", "/api/v1/statuses", status="hello @alice")
        got = [await _next(ws, 1.0), await _next(ws, 1.0)]
        assert time.monotonic() - started < 1.0
        assert {f["event"] for f in got} == {"update", "notification"}
        mention = next(orjson.loads(f["payload"]) for f in got if f["event"] == "notification")
        assert (mention["type"], mention["status"]["id"]) == ("mention", tweet["id"])
        # ...and a like, through node B, of a tweet posted on node A.
        mine = _call(a.url, alice, "POST", "/api/v1/statuses", status="like this")
        own = await _next(ws, 1.0)
        assert orjson.loads(own["payload"])["id"] == mine["id"]
        started = time.monotonic()
        _call(b.url, bob, "POST", f"/api/v1/statuses/{mine['id']}/favourite")
        like = await _next(ws, 1.0)
        assert time.monotonic() - started < 1.0
        assert orjson.loads(like["payload"])["type"] == "favourite"
        last = like["id"]

    # Offline: three tweets go by. Reconnect to the *other* node with the last position.
    missed = [
        _call(b.url, bob, "POST", "/api/v1/statuses", status=f"missed {n}")["id"] for n in range(3)
    ]
    time.sleep(0.5)  # let the dispatcher publish them
    async with websockets.connect(_ws_url(b, alice, last)) as ws:
        replayed = [await _next(ws, 2.0) for _ in missed]
        assert [orjson.loads(f["payload"])["id"] for f in replayed] == missed
        positions = [f["id"] for f in replayed]
        assert len(set(positions)) == 3
        # Live again after the replay, with no duplicate of what was replayed.
        live = _call(a.url, bob, "POST", "/api/v1/statuses", status="live again")
        frame = await _next(ws, 1.0)
        assert orjson.loads(frame["payload"])["id"] == live["id"]
        with pytest.raises(TimeoutError):
            await _next(ws, 0.5)

        # Revoking the token through node A closes this stream on node B within a second.
        started = time.monotonic()
        _revoke(a.url, alice)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _next(ws, 1.0)
        assert time.monotonic() - started < 1.0
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_two_nodes_act_as_one(two_nodes: tuple[ChirpProcess, ChirpProcess]) -> None:
    asyncio.run(_scenario(*two_nodes))
