"""The streaming API against the app: websocket and SSE, visibility, replay, robustness."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient

from chirp.server.keys import DISPATCHER, HUB, PUSHER, SETTINGS
from tests.helpers import Drain, User, follow, post, sign_up


async def frames(ws: Any, count: int, timeout: float = 3.0) -> list[dict[str, Any]]:
    out = []
    async with asyncio.timeout(timeout):
        while len(out) < count:
            message = await ws.receive()
            assert message.type == WSMsgType.TEXT, message  # JSON goes out as text frames
            out.append(orjson.loads(message.data))
    return out


async def quiet(ws: Any, seconds: float = 0.3) -> None:
    """Nothing more arrives."""
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(seconds):
            message = await ws.receive()
            raise AssertionError(f"unexpected frame: {message.data!r}")


async def test_user_stream_gets_followed_tweets_and_notifications(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await drain()
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        await asyncio.sleep(0.05)
        tweet = await post(client, bob, "hello @alice #chirp")
        await drain()
        got = await frames(ws, 2)
        by_event = {f["event"]: f for f in got}
        assert set(by_event) == {"update", "notification"}
        update = by_event["update"]
        assert update["stream"] == ["user"]
        assert orjson.loads(update["payload"])["id"] == tweet["id"]
        assert update["id"]  # the position, for loss-free reconnects
        notification = orjson.loads(by_event["notification"]["payload"])
        assert notification["type"] == "mention"
        assert notification["status"]["id"] == tweet["id"]


async def test_new_tweets_reach_their_audience_from_their_event(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, carol, bob)
    await follow(client, alice, carol)  # alice follows carol, carol does not follow alice
    by_alice = await post(client, alice, "alice asks")
    by_carol = await post(client, carol, "carol asks")
    await drain()
    async with (
        client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as fan,
        client.ws_connect(f"/api/v1/streaming?access_token={carol.token}&stream=user") as other,
    ):
        await asyncio.sleep(0.05)
        tweet = await post(client, bob, "from the outbox")
        to_carol = await post(client, bob, "answer", in_reply_to_id=by_carol["id"])
        to_alice = await post(client, bob, "answer", in_reply_to_id=by_alice["id"])
        await drain()
        got = await frames(fan, 4)
        assert [(f["event"], orjson.loads(f["payload"])["id"]) for f in got[:3]] == [
            ("update", tweet["id"]),
            ("update", to_carol["id"]),  # alice follows carol too
            ("update", to_alice["id"]),
        ]
        assert got[3]["event"] == "notification"
        # Replies reach followers who follow the replied-to account too (the audience rule):
        # carol does not get bob's answer to alice.
        got = await frames(other, 3)
        assert [orjson.loads(f["payload"])["id"] for f in got[:2]] == [tweet["id"], to_carol["id"]]
        assert got[2]["event"] == "notification"
        await quiet(fan)
        await quiet(other)


async def test_followers_only_tweets_reach_followers_only(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await drain()
    async with (
        client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as follower,
        client.ws_connect(f"/api/v1/streaming?access_token={carol.token}&stream=user") as stranger,
        client.ws_connect("/api/v1/streaming?stream=public") as public,
        client.ws_connect("/api/v1/streaming?stream=hashtag&tag=secret") as tag,
    ):
        await asyncio.sleep(0.05)
        private = await post(client, bob, "for followers #secret", visibility="private")
        await drain()
        (got,) = await frames(follower, 1)
        assert orjson.loads(got["payload"])["id"] == private["id"]
        for ws in (stranger, public, tag):
            await quiet(ws, 0.2)


async def test_public_and_hashtag_streams(client: TestClient, alice: User, drain: Drain) -> None:
    async with (
        client.ws_connect("/api/v1/streaming") as ws,
    ):
        await ws.send_json({"type": "subscribe", "stream": "public"})
        await ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": "Chirp"})
        await asyncio.sleep(0.05)
        tweet = await post(client, alice, "news #chirp")
        unlisted = await post(client, alice, "quiet #chirp", visibility="unlisted")
        await drain()
        got = await frames(ws, 2)
        assert sorted(tuple(f["stream"]) for f in got) == [("hashtag", "Chirp"), ("public",)]
        assert {orjson.loads(f["payload"])["id"] for f in got} == {tweet["id"]}
        await quiet(ws)
        assert unlisted["id"]
        # Unsubscribing stops the stream.
        await ws.send_json({"type": "unsubscribe", "stream": "public"})
        await asyncio.sleep(0.05)
        await post(client, alice, "more #chirp")
        await drain()
        (only,) = await frames(ws, 1)
        assert only["stream"] == ["hashtag", "Chirp"]


async def test_delete_and_edit_events(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    tweet = await post(client, bob, "first draft")
    await drain()
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        await asyncio.sleep(0.05)
        edited = await client.put(
            f"/api/v1/statuses/{tweet['id']}", headers=bob.headers, json={"status": "final"}
        )
        assert edited.status == 200
        await drain()
        deleted = await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=bob.headers)
        assert deleted.status == 200
        await drain()
        update, delete = await frames(ws, 2)
        assert update["event"] == "status.update"
        assert "final" in orjson.loads(update["payload"])["content"]
        assert (delete["event"], delete["payload"]) == ("delete", tweet["id"])


async def test_an_edit_whose_tweet_is_deleted_before_its_push_is_not_pushed(
    app: web.Application, client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    """The edit's push reads the tweet as it is then: gone, so only the `delete` goes out (a
    `status.update` for a deleted tweet would show it again in a client that got the delete)."""
    await follow(client, alice, bob)
    tweet = await post(client, bob, "first draft")
    await drain()
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        await asyncio.sleep(0.05)
        async with app[DISPATCHER]._batch_lock:  # the side effects wait for both writes
            edited = await client.put(
                f"/api/v1/statuses/{tweet['id']}", headers=bob.headers, json={"status": "final"}
            )
            assert edited.status == 200
            deleted = await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=bob.headers)
            assert deleted.status == 200
        await drain()
        (delete,) = await frames(ws, 1)
        assert (delete["event"], delete["payload"]) == ("delete", tweet["id"])
        await quiet(ws)


async def test_deleting_a_tweet_withdraws_its_retweets_from_the_retweeters_followers(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, carol, bob)  # carol follows the retweeter, not the author
    tweet = await post(client, alice, "worth sharing")
    reblogged = await client.post(f"/api/v1/statuses/{tweet['id']}/reblog", headers=bob.headers)
    retweet = await reblogged.json()
    await drain()
    async with client.ws_connect(f"/api/v1/streaming?access_token={carol.token}&stream=user") as ws:
        await asyncio.sleep(0.05)
        deleted = await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=alice.headers)
        assert deleted.status == 200
        await drain()
        (delete,) = await frames(ws, 1)
        assert (delete["event"], delete["payload"]) == ("delete", retweet["id"])
        await quiet(ws)


# A window wide enough for five likes on a busy machine (at the default quarter second, a slow
# run split them in two events).
@pytest.mark.parametrize("settings_overrides", [{"live_counts_interval_seconds": 2.0}])
async def test_live_counters_are_coalesced(
    client: TestClient, alice: User, drain: Drain, settings_overrides: dict[str, Any]
) -> None:
    tweet = await post(client, alice, "like me")
    likers = [await sign_up(client) for _ in range(5)]
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}") as ws:
        await ws.send_json({"type": "subscribe", "stream": "status", "id": tweet["id"]})
        await asyncio.sleep(0.05)
        for liker in likers:
            assert (
                await client.post(
                    f"/api/v1/statuses/{tweet['id']}/favourite", headers=liker.headers
                )
            ).status == 200
        await drain()
        (counts,) = await frames(ws, 1, timeout=5)
        assert counts["event"] == "status.counts"
        assert counts["stream"] == ["status", tweet["id"]]
        assert orjson.loads(counts["payload"])["favourites_count"] == 5
        assert "id" not in counts  # counters are ephemeral: nothing to replay
        await quiet(ws, 0.5)  # five likes, one event


async def test_reconnect_replays_missed_events_or_resets(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await drain()
    url = f"/api/v1/streaming?access_token={alice.token}&stream=user"
    async with client.ws_connect(url) as ws:
        await asyncio.sleep(0.05)
        await post(client, bob, "one")
        await drain()
        (first,) = await frames(ws, 1)
    missed = [await post(client, bob, f"missed {n}") for n in range(3)]
    await drain()
    async with client.ws_connect(f"{url}&last_event_id={first['id']}") as ws:
        got = await frames(ws, 3)
        assert [orjson.loads(f["payload"])["id"] for f in got] == [m["id"] for m in missed]
        await quiet(ws)
    async with client.ws_connect(f"{url}&last_event_id=1-1") as ws:
        (reset,) = await frames(ws, 1)
        assert reset["event"] == "chirp.reset"


async def test_sse_user_stream_with_last_event_id(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await drain()
    first = await post(client, bob, "before")
    await drain()
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        await asyncio.sleep(0.05)
        second = await post(client, bob, "second")
        await drain()
        (seen,) = await frames(ws, 1)
    third = await post(client, bob, "third")
    await drain()
    response = await client.get(
        "/api/v1/streaming/user",
        headers={**alice.headers, "Last-Event-ID": seen["id"]},
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    body = b""
    async with asyncio.timeout(3):
        while b"event: update" not in body:
            body += await response.content.readany()
    response.close()
    text = body.decode()
    assert text.startswith(":)")
    assert f'"id":"{third["id"]}"' in text
    assert f'"id":"{second["id"]}"' not in text and first["id"] not in text.split("data:")[0]


async def test_streams_require_the_right_token_and_scope(client: TestClient, alice: User) -> None:
    assert (await client.get("/api/v1/streaming/user")).status == 401
    bad = await client.get("/api/v1/streaming/user", headers={"Authorization": "Bearer nope"})
    assert bad.status == 401
    assert (await bad.json())["error"]
    assert (await client.get("/api/v1/streaming/hashtag")).status == 422
    async with client.ws_connect("/api/v1/streaming") as ws:
        await ws.send_json({"type": "subscribe", "stream": "user"})
        (error,) = await frames(ws, 1)
        assert error["status"] == 401
        await ws.send_str("not json")
        (error,) = await frames(ws, 1)
        assert error["status"] == 400
        await ws.send_json({"type": "subscribe", "stream": "nonsense"})
        (error,) = await frames(ws, 1)
        assert error["status"] == 400
    assert (await client.get("/api/v1/streaming/health")).status == 200


async def test_token_in_websocket_subprotocol(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    async with client.ws_connect("/api/v1/streaming?stream=user", protocols=[alice.token]) as ws:
        assert ws.protocol == alice.token
        await asyncio.sleep(0.05)
        await post(client, bob, f"hi @{alice.username}")
        await drain()
        (got,) = await frames(ws, 1)
        assert got["event"] == "notification"


async def test_revoking_the_token_closes_its_streams(client: TestClient, alice: User) -> None:
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        await asyncio.sleep(0.05)
        me = await client.get("/api/v1/apps/verify_credentials", headers=alice.headers)
        assert me.status == 200
        assert client.app[HUB].connection_count == 1
        await _revoke(client, alice)
        async with asyncio.timeout(1):
            message = await ws.receive()
        assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
        assert ws.close_code == 1008


async def _revoke(client: TestClient, user: User) -> None:
    from chirp.core import oauth
    from chirp.core.secrets import digest
    from chirp.server.keys import CONTEXT

    context = client.app[CONTEXT]
    token = await context.store.get_token(digest(user.token))
    assert token is not None
    app = await context.store.get_app(token.app_id)
    assert app is not None
    await oauth.revoke_token(context, app, user.token)


@pytest.mark.parametrize("settings_overrides", [{"stream_allowed_origins": "https://app.example"}])
async def test_an_origin_off_the_operator_s_list_is_refused(client: TestClient) -> None:
    upgrade = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    response = await client.get(
        "/api/v1/streaming", headers={"Origin": "https://evil.example", **upgrade}
    )
    assert response.status == 403
    assert (await response.json())["error"]
    for origin in ("https://app.example", client.app[SETTINGS].base_url):
        async with client.ws_connect("/api/v1/streaming", headers={"Origin": origin}) as ws:
            await ws.send_str('{"type": "subscribe", "stream": "public"}')
            await quiet(ws, 0.1)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"stream_queue_frames": 10, "live_counts_interval_seconds": 0.2}


async def test_a_slow_consumer_is_disconnected_with_1013(client: TestClient, alice: User) -> None:
    async with client.ws_connect("/api/v1/streaming?stream=public") as ws:
        await asyncio.sleep(0.05)
        bus = client.app[HUB].bus
        # The in-process bus delivers without yielding, so the writer gets no chance to send:
        # this is a client that stopped reading while 20 frames arrive for a queue of 10.
        for n in range(20):
            await bus.publish(["public"], "update", f'"{n}"')
        async with asyncio.timeout(2):
            while True:
                message = await ws.receive()
                if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
                    break
        assert ws.close_code == 1013


async def test_direct_tweets_reach_only_their_participants(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, carol, bob)  # carol follows bob but is not mentioned
    await drain()
    async with (
        client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=direct") as direct,
        client.ws_connect(f"/api/v1/streaming?access_token={carol.token}&stream=user") as follower,
    ):
        await asyncio.sleep(0.05)
        dm = await post(client, bob, f"psst @{alice.username}", visibility="direct")
        await drain()
        (conversation,) = await frames(direct, 1)
        assert (conversation["event"], conversation["stream"]) == ("conversation", ["direct"])
        body = orjson.loads(conversation["payload"])
        assert body["last_status"]["id"] == dm["id"]
        assert [a["acct"] for a in body["accounts"]] == ["bob"]
        assert body["unread"] is True
        await quiet(follower)


async def test_oversized_client_messages_close_the_socket(client: TestClient) -> None:
    async with client.ws_connect("/api/v1/streaming") as ws:
        await ws.send_str("x" * 70_000)  # over stream_max_message_bytes (64 KiB)
        async with asyncio.timeout(2):
            message = await ws.receive()
        assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
        assert ws.close_code == 1009


async def test_a_new_tweet_is_rendered_and_published_once(
    app: web.Application, client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    """One road: the tweet's event pushes it, to every topic of its audience in one publish."""
    await follow(client, alice, bob)
    await drain()
    bus = app[PUSHER].bus
    updates: list[tuple[str, ...]] = []
    real_publish = bus.publish

    async def spy(topics: Any, event: str, payload: str, **kwargs: Any) -> str:
        if event == "update":
            updates.append(tuple(topics))
        return await real_publish(topics, event, payload, **kwargs)

    bus.publish = spy  # type: ignore[method-assign]
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        await asyncio.sleep(0.05)
        await post(client, bob, "pushed once")
        await drain()
        (frame,) = await frames(ws, 1)
        assert frame["event"] == "update"
        assert len(updates) == 1 and f"user:{alice.id}" in updates[0]
        await quiet(ws)
