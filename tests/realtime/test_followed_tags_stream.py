"""Followed hashtags on the `user` stream: the same audience as the home-feed fan-out, whichever
path pushes the tweet (its event, by the audience rule), and its edits and deletion too."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, post
from tests.realtime.test_streaming_api import frames, quiet


async def _follow_tag(client: TestClient, user: User, name: str) -> None:
    response = await client.post(f"/api/v1/tags/{name}/follow", headers=user.headers)
    assert response.status == 200, await response.text()


async def test_a_followed_tags_tweet_reaches_the_user_stream(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await _follow_tag(client, alice, "cats")
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        await asyncio.sleep(0.05)
        tweet = await post(client, bob, "a #Cats picture")
        await drain()
        (got,) = await frames(ws, 1)
        assert got["event"] == "update" and got["stream"] == ["user"]
        assert orjson.loads(got["payload"])["id"] == tweet["id"]
        await quiet(ws)
    home = await client.get("/api/v1/timelines/home", headers=alice.headers)
    assert [s["id"] for s in await home.json()] == [tweet["id"]]


async def test_the_outbox_pushes_a_followed_tags_tweet_to_whom_the_fan_out_reached(
    app: web.Application, client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await _follow_tag(client, alice, "cats")
    async with (
        client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as fan,
        client.ws_connect(f"/api/v1/streaming?access_token={carol.token}&stream=user") as other,
    ):
        await asyncio.sleep(0.05)
        tweet = await post(client, bob, "#cats from the outbox")
        await drain()
        (got,) = await frames(fan, 1)
        assert orjson.loads(got["payload"])["id"] == tweet["id"]
        await quiet(other)  # carol follows neither bob nor the tag


async def test_tag_followers_get_public_tweets_only_and_their_edits_and_deletion(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await _follow_tag(client, alice, "cats")
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        await asyncio.sleep(0.05)
        for visibility in ("unlisted", "private", "direct"):
            await post(client, bob, f"#cats {visibility}", visibility=visibility)
        mine = await post(client, alice, "my own #cats")  # the author's own: once, as always
        await drain()
        (own,) = await frames(ws, 1)
        assert orjson.loads(own["payload"])["id"] == mine["id"]
        await quiet(ws)
        tweet = await post(client, bob, "#cats v1")
        await drain()
        assert [f["event"] for f in await frames(ws, 1)] == ["update"]
        edited = await client.put(
            f"/api/v1/statuses/{tweet['id']}", headers=bob.headers, json={"status": "#cats v2"}
        )
        assert edited.status == 200
        await drain()
        (update,) = await frames(ws, 1)
        assert update["event"] == "status.update"
        assert orjson.loads(update["payload"])["id"] == tweet["id"]
        deleted = await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=bob.headers)
        assert deleted.status == 200
        await drain()
        (gone,) = await frames(ws, 1)
        assert (gone["event"], gone["payload"]) == ("delete", tweet["id"])
