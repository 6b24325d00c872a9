"""Direct conversations: `/api/v1/conversations` (list with paging and Link headers, read,
remove) kept as direct tweets are posted, edited and deleted; unread state; participants only.
On both storage backends."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.handlers.both_backends import app  # noqa: F401  (both storage backends)
from tests.helpers import Drain, User, post, sign_up, user_token


async def conversations(client: TestClient, user: User, **query: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/conversations", headers=user.headers, params=query)
    assert response.status == 200, await response.text()
    return list(await response.json())


def summary(found: list[dict[str, Any]]) -> list[tuple[list[str], str, bool]]:
    """(participants' usernames, last status id, unread) per conversation."""
    return [
        (sorted(a["username"] for a in c["accounts"]), c["last_status"]["id"], c["unread"])
        for c in found
    ]


async def test_a_direct_tweet_makes_a_conversation_for_each_participant(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    first = await post(client, alice, "@bob @carol psst", visibility="direct")
    await drain()
    mine = await conversations(client, alice)
    assert set(mine[0]) == {"id", "unread", "accounts", "last_status"}
    assert mine[0]["last_status"]["visibility"] == "direct"
    # The author's own tweet leaves it read; the others get it unread.
    assert summary(mine) == [(["bob", "carol"], first["id"], False)]
    assert summary(await conversations(client, bob)) == [(["alice", "carol"], first["id"], True)]
    assert summary(await conversations(client, carol)) == [(["alice", "bob"], first["id"], True)]
    # A reply in the thread among the same people updates the same conversations.
    reply = await post(
        client, bob, "@alice @carol yes", visibility="direct", in_reply_to_id=first["id"]
    )
    await drain()
    mine = await conversations(client, alice)
    assert summary(mine) == [(["bob", "carol"], reply["id"], True)]
    assert summary(await conversations(client, bob)) == [(["alice", "carol"], reply["id"], False)]
    # Someone not in it sees nothing, and public tweets make none.
    dave = await sign_up(client, username="dave")
    await post(client, alice, "@dave public mention")
    await drain()
    assert await conversations(client, dave) == []
    # Read.
    read = await client.post(f"/api/v1/conversations/{mine[0]['id']}/read", headers=alice.headers)
    assert read.status == 200
    assert (await read.json())["unread"] is False
    assert (await conversations(client, alice))[0]["unread"] is False
    # Another participant's conversation id is nobody else's.
    theirs = (await conversations(client, bob))[0]["id"]
    for method, path in (
        ("post", f"/api/v1/conversations/{theirs}/read"),
        ("delete", f"/api/v1/conversations/{theirs}"),
        ("post", "/api/v1/conversations/abc/read"),
        ("delete", "/api/v1/conversations/12345"),
    ):
        refused = await client.request(method, path, headers=alice.headers)
        assert refused.status == 404
        assert "error" in await refused.json()
    assert len(await conversations(client, bob)) == 1


async def test_a_new_thread_or_other_people_make_another_conversation(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    one = await post(client, alice, "@bob one", visibility="direct")
    two = await post(client, alice, "@bob two", visibility="direct")
    three = await post(client, alice, "@bob @carol three", visibility="direct")
    alone = await post(client, alice, "note to self", visibility="direct")
    await drain()
    assert summary(await conversations(client, alice)) == [
        (["alice"], alone["id"], False),  # to oneself: oneself is shown
        (["bob", "carol"], three["id"], False),
        (["bob"], two["id"], False),
        (["bob"], one["id"], False),
    ]
    # Paged by the last status, newest first, with Link headers.
    page = await client.get("/api/v1/conversations", headers=bob.headers, params={"limit": "2"})
    assert [c["last_status"]["id"] for c in await page.json()] == [three["id"], two["id"]]
    older = await client.get(page.links["next"]["url"].path_qs, headers=bob.headers)
    assert [c["last_status"]["id"] for c in await older.json()] == [one["id"]]
    newer = await conversations(client, bob, min_id=one["id"])
    assert [c["last_status"]["id"] for c in newer] == [three["id"], two["id"]]


async def test_deleted_and_edited_tweets(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    first = await post(client, alice, "@bob first", visibility="direct")
    second = await post(
        client, bob, "@alice second", visibility="direct", in_reply_to_id=first["id"]
    )
    await drain()
    await client.delete(f"/api/v1/statuses/{second['id']}", headers=bob.headers)
    await drain()
    # The conversation's last status goes back to the one before.
    assert summary(await conversations(client, alice)) == [(["bob"], first["id"], True)]
    # An edit shows in the conversation at once (the same status).
    edited = await client.put(
        f"/api/v1/statuses/{first['id']}",
        headers=alice.headers,
        json={"status": "@bob first, edited"},
    )
    assert edited.status == 200
    await drain()
    shown = (await conversations(client, bob))[0]["last_status"]
    assert "edited" in shown["content"]
    # Its last tweet deleted, the conversation goes.
    await client.delete(f"/api/v1/statuses/{first['id']}", headers=alice.headers)
    await drain()
    assert await conversations(client, alice) == []
    assert await conversations(client, bob) == []


async def test_removing_one_conversation(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    first = await post(client, alice, "@bob hi", visibility="direct")
    await drain()
    mine = (await conversations(client, alice))[0]
    removed = await client.delete(f"/api/v1/conversations/{mine['id']}", headers=alice.headers)
    assert (removed.status, await removed.json()) == (200, {})
    assert await conversations(client, alice) == []
    assert len(await conversations(client, bob)) == 1  # only for the one who removed it
    # The next tweet in it makes it again.
    again = await post(
        client, bob, "@alice still there?", visibility="direct", in_reply_to_id=first["id"]
    )
    await drain()
    assert summary(await conversations(client, alice)) == [(["bob"], again["id"], True)]


async def test_blocked_senders_make_no_conversation(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await client.post(f"/api/v1/accounts/{alice.id}/block", headers=bob.headers)
    await post(client, alice, "@bob hello?", visibility="direct")
    await drain()
    assert await conversations(client, bob) == []
    assert len(await conversations(client, alice)) == 1


async def test_authentication_and_scopes(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await post(client, alice, "@bob hi", visibility="direct")
    await drain()
    assert (await client.get("/api/v1/conversations")).status == 401
    reader = await user_token(client, bob, "read:statuses")
    found = await client.get("/api/v1/conversations", headers=reader)
    assert found.status == 200
    conversation_id = (await found.json())[0]["id"]
    refused = await client.post(f"/api/v1/conversations/{conversation_id}/read", headers=reader)
    assert refused.status == 403
    writer = await user_token(client, bob, "write:conversations")
    allowed = await client.post(f"/api/v1/conversations/{conversation_id}/read", headers=writer)
    assert allowed.status == 200


async def test_the_direct_timeline(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    to_bob = await post(client, alice, "@bob one", visibility="direct")
    await post(client, alice, "public @bob")
    to_carol = await post(client, alice, "@carol two", visibility="direct")
    from_bob = await post(client, bob, "@alice three", visibility="direct")

    async def direct(user: User, **query: str) -> list[str]:
        response = await client.get("/api/v1/timelines/direct", headers=user.headers, params=query)
        assert response.status == 200
        return [s["id"] for s in await response.json()]

    assert await direct(alice) == [from_bob["id"], to_carol["id"], to_bob["id"]]
    assert await direct(bob) == [from_bob["id"], to_bob["id"]]
    assert await direct(carol) == [to_carol["id"]]
    assert await direct(alice, limit="1", max_id=to_carol["id"]) == [to_bob["id"]]
    assert await direct(alice, limit="1", min_id=to_bob["id"]) == [to_carol["id"]]
    assert (await client.get("/api/v1/timelines/direct")).status == 401
