"""Suspending or disabling an account closes every stream its tokens opened (through the
bus: each node closes its own sockets), and its tokens cannot open new ones."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from chirp.core import moderation
from chirp.server.keys import CONTEXT, HUB
from tests.helpers import Drain, User, follow, post, user_token
from tests.realtime.test_streaming_api import frames, quiet


async def closed(ws: object) -> None:
    async with asyncio.timeout(2):
        message = await ws.receive()  # type: ignore[attr-defined]
    assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    assert ws.close_code == 1008  # type: ignore[attr-defined]


@pytest.mark.parametrize("action", ["suspend", "disable"])
async def test_every_stream_of_the_account_closes(
    client: TestClient, alice: User, bob: User, action: str
) -> None:
    second = (await user_token(client, alice, "read"))["Authorization"].removeprefix("Bearer ")
    url = "/api/v1/streaming?access_token={}&stream={}"
    async with (
        client.ws_connect(url.format(alice.token, "user")) as first,
        client.ws_connect(url.format(second, "public")) as other,
        client.ws_connect(url.format(bob.token, "public")) as bystander,
    ):
        await asyncio.sleep(0.05)
        assert client.app[HUB].connection_count == 3
        await moderation.act_on_account(client.app[CONTEXT], None, int(alice.id), action)
        await closed(first)
        await closed(other)
        await asyncio.sleep(0.05)
        assert not bystander.closed  # other accounts' streams stay open
    again = await client.get(
        f"/api/v1/streaming/user?access_token={alice.token}",
    )
    assert again.status in (401, 403)


async def test_a_silenced_account_stays_off_the_public_streams(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await drain()
    await moderation.act_on_account(client.app[CONTEXT], None, int(bob.id), "silence")
    url = "/api/v1/streaming?access_token={}&stream={}"
    async with (
        client.ws_connect(url.format(carol.token, "public")) as public,
        client.ws_connect(url.format(carol.token, "hashtag&tag=news")) as tagged,
        client.ws_connect(url.format(alice.token, "user")) as follower,
    ):
        await asyncio.sleep(0.05)
        tweet = await post(client, bob, "hush #news")
        await drain()
        (got,) = await frames(follower, 1)
        assert got["event"] == "update" and orjson.loads(got["payload"])["id"] == tweet["id"]
        await quiet(public)
        await quiet(tagged)
        # Other accounts still reach them.
        other = await post(client, carol, "loud #news")
        await drain()
        (seen,) = await frames(public, 1)
        assert orjson.loads(seen["payload"])["id"] == other["id"]
