"""The `list` stream (websocket and SSE: the list's tweets as the fan-out decides, edits,
deletes; the owner's only) and the `direct` stream's `conversation` events (each participant's
own conversation, as the REST read shows it), exclusive lists off the `user` stream."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp.test_utils import TestClient

from tests.handlers.test_lists import add, make_list
from tests.helpers import Drain, User, follow, post, sign_up, user_token
from tests.realtime.test_streaming_api import frames, quiet


async def read_sse_until(response: Any, marker: bytes) -> str:
    body = b""
    async with asyncio.timeout(3):
        while marker not in body:
            body += await response.content.readany()
    response.close()
    return body.decode()


def ids_of(got: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (f["event"], f["payload"] if f["event"] == "delete" else orjson.loads(f["payload"])["id"])
        for f in got
    ]


async def test_the_list_stream_over_a_websocket(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    made = await make_list(client, alice, title="Friends", replies_policy="none")
    assert (await add(client, alice, made["id"], bob)).status == 200
    root = await post(client, carol, "carol's")
    await drain()
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}") as ws:
        await ws.send_json({"type": "subscribe", "stream": "list", "list": made["id"]})
        await asyncio.sleep(0.05)
        tweet = await post(client, bob, "from a member")
        await post(client, carol, "not a member")
        await post(client, bob, "@carol a reply", in_reply_to_id=root["id"])  # policy: none
        await drain()
        (got,) = await frames(ws, 1)
        assert got["stream"] == ["list", made["id"]]
        assert ids_of([got]) == [("update", tweet["id"])]
        await quiet(ws)
        edited = await client.put(
            f"/api/v1/statuses/{tweet['id']}", headers=bob.headers, json={"status": "edited"}
        )
        assert edited.status == 200
        await drain()
        # Read before deleting: an edit whose tweet is gone by the time it is pushed is not
        # pushed (test_push: only the `delete` goes out).
        assert ids_of(await frames(ws, 1)) == [("status.update", tweet["id"])]
        await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=bob.headers)
        await drain()
        assert ids_of(await frames(ws, 1)) == [("delete", tweet["id"])]
        await ws.send_json({"type": "unsubscribe", "stream": "list", "list": made["id"]})
        await asyncio.sleep(0.05)
        await post(client, bob, "after unsubscribing")
        await drain()
        await quiet(ws)


async def test_the_list_stream_over_sse(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    made = await make_list(client, alice, title="Friends")
    assert (await add(client, alice, made["id"], bob)).status == 200
    response = await client.get(
        "/api/v1/streaming/list", params={"list": made["id"]}, headers=alice.headers
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    await asyncio.sleep(0.05)
    tweet = await post(client, bob, "over sse")
    await drain()
    assert f'"id":"{tweet["id"]}"' in await read_sse_until(response, b"event: update")


async def test_only_the_owner_streams_a_list(client: TestClient, alice: User, bob: User) -> None:
    made = await make_list(client, alice, title="Mine")
    other = await client.get(
        "/api/v1/streaming/list", params={"list": made["id"]}, headers=bob.headers
    )
    assert other.status == 404
    for params in ({}, {"list": ""}):
        missing = await client.get("/api/v1/streaming/list", params=params, headers=alice.headers)
        assert missing.status == 422  # as a hashtag stream without its tag
    anonymous = await client.get("/api/v1/streaming/list", params={"list": made["id"]})
    assert anonymous.status == 401
    wrong_scope = await user_token(client, alice, "read:accounts")
    refused = await client.get(
        "/api/v1/streaming/list", params={"list": made["id"]}, headers=wrong_scope
    )
    assert refused.status == 403
    async with client.ws_connect(f"/api/v1/streaming?access_token={bob.token}") as ws:
        await ws.send_json({"type": "subscribe", "stream": "list", "list": made["id"]})
        (error,) = await frames(ws, 1)
        assert error["status"] == 404 and "error" in error


async def test_exclusive_list_members_stay_off_the_user_stream(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    made = await make_list(client, alice, title="Busy", exclusive=True)
    assert (await add(client, alice, made["id"], bob)).status == 200
    await drain()
    async with (
        client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as home,
        client.ws_connect(
            f"/api/v1/streaming?access_token={alice.token}&stream=list&list={made['id']}"
        ) as listed,
    ):
        await asyncio.sleep(0.05)
        busy = await post(client, bob, "busy bob")
        other = await post(client, carol, "carol")
        await drain()
        assert ids_of(await frames(listed, 1)) == [("update", busy["id"])]
        assert ids_of(await frames(home, 1)) == [("update", other["id"])]
        await quiet(home)


async def test_muted_accounts_stay_off_the_list_stream(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    dave = await sign_up(client, username="dave")
    await follow(client, alice, bob)
    made = await make_list(client, alice, title="Friends")
    assert (await add(client, alice, made["id"], bob)).status == 200
    await client.post(f"/api/v1/accounts/{dave.id}/mute", headers=alice.headers)
    by_dave = await post(client, dave, "muted")
    await drain()
    async with client.ws_connect(
        f"/api/v1/streaming?access_token={alice.token}&stream=list&list={made['id']}"
    ) as ws:
        await asyncio.sleep(0.05)
        await client.post(f"/api/v1/statuses/{by_dave['id']}/reblog", headers=bob.headers)
        await drain()
        await quiet(ws)
        mine = await post(client, bob, "fine")
        await drain()
        assert ids_of(await frames(ws, 1)) == [("update", mine["id"])]


async def test_the_direct_stream_carries_each_participants_conversation(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    async with (
        client.ws_connect(f"/api/v1/streaming?access_token={alice.token}&stream=direct") as ada,
        client.ws_connect(f"/api/v1/streaming?access_token={bob.token}&stream=direct") as bo,
        client.ws_connect(f"/api/v1/streaming?access_token={carol.token}&stream=direct") as out,
    ):
        await asyncio.sleep(0.05)
        dm = await post(client, alice, "@bob psst", visibility="direct")
        await drain()
        (mine,) = await frames(ada, 1)
        (theirs,) = await frames(bo, 1)
        await quiet(out)
        for frame, user, unread, others in (
            (mine, alice, False, ["bob"]),
            (theirs, bob, True, ["alice"]),
        ):
            assert (frame["event"], frame["stream"]) == ("conversation", ["direct"])
            body = orjson.loads(frame["payload"])
            assert set(body) == {"id", "unread", "accounts", "last_status"}
            assert body["last_status"]["id"] == dm["id"]
            assert (body["unread"], [a["username"] for a in body["accounts"]]) == (unread, others)
            # The same conversation as the REST read, by id.
            listed = await client.get("/api/v1/conversations", headers=user.headers)
            assert (await listed.json())[0]["id"] == body["id"]
        # An edit updates the conversation on the stream too.
        await client.put(
            f"/api/v1/statuses/{dm['id']}", headers=alice.headers, json={"status": "@bob edited"}
        )
        await drain()
        got = await frames(bo, 2)
        conversation = next(f for f in got if f["event"] == "conversation")
        assert "edited" in orjson.loads(conversation["payload"])["last_status"]["content"]
        assert sorted(f["event"] for f in await frames(ada, 2)) == ["conversation", "status.update"]
        await quiet(out)
        # A deleted reply: the conversation goes back to the tweet before it.
        reply = await post(
            client, bob, "@alice answer", visibility="direct", in_reply_to_id=dm["id"]
        )
        await drain()
        (answered,) = await frames(ada, 1)  # new tweets go to `user`; here the conversation
        assert orjson.loads(answered["payload"])["last_status"]["id"] == reply["id"]
        assert orjson.loads(answered["payload"])["unread"] is True
        await client.delete(f"/api/v1/statuses/{reply['id']}", headers=bob.headers)
        await drain()
        got = await frames(ada, 2)
        assert [f["event"] for f in got] == ["delete", "conversation"]
        assert orjson.loads(got[1]["payload"])["last_status"]["id"] == dm["id"]
        # Reading it pushes it too (read now), as Mastodon pushes every change of one.
        conversation_id = orjson.loads(got[1]["payload"])["id"]
        read = await client.post(
            f"/api/v1/conversations/{conversation_id}/read", headers=alice.headers
        )
        assert read.status == 200
        (after,) = await frames(ada, 1)
        body = orjson.loads(after["payload"])
        assert (after["event"], body["id"], body["unread"]) == (
            "conversation",
            conversation_id,
            False,
        )


async def test_the_direct_stream_over_sse(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    response = await client.get("/api/v1/streaming/direct", headers=bob.headers)
    assert response.status == 200
    await asyncio.sleep(0.05)
    dm = await post(client, alice, "@bob over sse", visibility="direct")
    await drain()
    assert f'"id":"{dm["id"]}"' in await read_sse_until(response, b"event: conversation")
