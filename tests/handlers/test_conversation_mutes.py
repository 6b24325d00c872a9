"""Muting a conversation: `POST /api/v1/statuses/:id/mute|unmute`, the `muted` flag, and no
notifications from the thread while muted."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, act, post, user_token


async def notes(client: TestClient, user: User) -> list[tuple[str, str]]:
    response = await client.get("/api/v1/notifications", headers=user.headers)
    assert response.status == 200
    return [(n["type"], n["status"]["id"] if n["status"] else "") for n in await response.json()]


async def mute(client: TestClient, user: User, status_id: str, verb: str = "mute") -> Any:
    response = await client.post(f"/api/v1/statuses/{status_id}/{verb}", headers=user.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_muted_thread_notifies_nothing(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    root = await post(client, alice, "a thread")
    reply = await post(client, bob, "@alice a reply", in_reply_to_id=root["id"])
    await drain()
    assert await notes(client, alice) == [("mention", reply["id"])]
    # Muting from a reply mutes the whole thread (its root).
    muted = await mute(client, alice, reply["id"])
    assert muted["muted"] is True
    shown = await client.get(f"/api/v1/statuses/{root['id']}", headers=alice.headers)
    assert (await shown.json())["muted"] is True
    other = await client.get(f"/api/v1/statuses/{root['id']}", headers=bob.headers)
    assert (await other.json())["muted"] is False  # Bob did not mute it

    deeper = await post(client, carol, "@alice @bob me too", in_reply_to_id=reply["id"])
    await act(client, carol, root["id"], "favourite")
    await act(client, carol, root["id"], "reblog")
    elsewhere = await post(client, carol, "@alice unrelated")
    await drain()
    assert await notes(client, alice) == [("mention", elsewhere["id"]), ("mention", reply["id"])]
    assert ("mention", deeper["id"]) in await notes(client, bob)  # only Alice muted it

    unmuted = await mute(client, alice, root["id"], "unmute")
    assert unmuted["muted"] is False
    again = await post(client, carol, "@alice back", in_reply_to_id=root["id"])
    await drain()
    assert (await notes(client, alice))[0] == ("mention", again["id"])
    # Both are idempotent.
    await mute(client, alice, root["id"], "unmute")
    await mute(client, alice, root["id"])
    assert (await mute(client, alice, root["id"]))["muted"] is True


async def test_only_a_thread_one_takes_part_in(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    root = await post(client, alice, "mine, with @bob")
    assert (await mute(client, bob, root["id"]))["muted"] is True  # mentioned
    refused = await client.post(f"/api/v1/statuses/{root['id']}/mute", headers=carol.headers)
    assert refused.status == 422
    assert "error" in await refused.json()
    hidden = await post(client, alice, "@bob only", visibility="direct")
    missing = await client.post(f"/api/v1/statuses/{hidden['id']}/mute", headers=carol.headers)
    assert missing.status == 404
    for path in ("/api/v1/statuses/123/mute", "/api/v1/statuses/abc/unmute"):
        assert (await client.post(path, headers=alice.headers)).status == 404


async def test_authentication_and_scope(client: TestClient, alice: User) -> None:
    root = await post(client, alice, "mine")
    for verb in ("mute", "unmute"):
        path = f"/api/v1/statuses/{root['id']}/{verb}"
        assert (await client.post(path)).status == 401
        reader = await user_token(client, alice, "read write:statuses")
        assert (await client.post(path, headers=reader)).status == 403
        writer = await user_token(client, alice, "write:mutes")
        assert (await client.post(path, headers=writer)).status == 200
