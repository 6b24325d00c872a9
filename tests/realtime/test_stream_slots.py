"""Open streams are capped per token and per client IP on a node: past either cap the
websocket handshake or the SSE request is refused 429 with `Retry-After`."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.server.keys import STREAM_SLOTS
from tests.helpers import User


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"stream_max_per_token": 2, "stream_max_per_ip": 4}


def stream_url(user: User | None) -> str:
    return f"/api/v1/streaming?access_token={user.token}" if user else "/api/v1/streaming"


async def refused(client: TestClient, url: str) -> aiohttp.WSServerHandshakeError:
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.ws_connect(url)
    assert caught.value.status == 429
    assert caught.value.headers is not None
    assert caught.value.headers["Retry-After"] == "5"
    return caught.value


async def test_websockets_per_token(client: TestClient, app: web.Application, alice: User) -> None:
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(client.ws_connect(stream_url(alice)))
        await stack.enter_async_context(client.ws_connect(stream_url(alice)))
        await refused(client, stream_url(alice))
        # SSE streams count too.
        response = await client.get(f"/api/v1/streaming/public?access_token={alice.token}")
        assert response.status == 429
        assert "access token" in (await response.json())["error"]
        # Closing one frees its slot.
        await first.close()
        for _ in range(50):
            if app[STREAM_SLOTS].open_for(ip="127.0.0.1") < 2:
                break
            await asyncio.sleep(0.02)
        await stack.enter_async_context(client.ws_connect(stream_url(alice)))


async def test_websockets_per_ip(client: TestClient, alice: User, bob: User) -> None:
    async with AsyncExitStack() as stack:
        for user in (alice, alice, bob, None):
            await stack.enter_async_context(client.ws_connect(stream_url(user)))
        error = await refused(client, stream_url(bob))
        assert error.status == 429
        await refused(client, stream_url(None))


async def test_slots_are_released_when_streams_end(
    client: TestClient, app: web.Application, alice: User
) -> None:
    for _ in range(5):
        async with client.ws_connect(stream_url(alice)) as ws:
            await ws.close()
    for _ in range(50):
        if app[STREAM_SLOTS].open_for(ip="127.0.0.1") == 0:
            break
        await asyncio.sleep(0.02)
    assert app[STREAM_SLOTS].open_for(ip="127.0.0.1") == 0
