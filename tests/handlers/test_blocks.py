"""Blocks over the API, with Mastodon's semantics: follows both ways and pending requests go;
the blocked account cannot follow, like, retweet, reply to or quote the blocker; neither sees
the other's tweets in any timeline, thread, search or notification; `/api/v1/blocks` lists
them with Link headers; relationships say so."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from yarl import URL

from tests.helpers import Drain, User, act, follow, post, sign_up, user_token


async def block(client: TestClient, user: User, other: User, how: str = "block") -> dict[str, Any]:
    response = await client.post(f"/api/v1/accounts/{other.id}/{how}", headers=user.headers)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def relationship(client: TestClient, user: User, other: User) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/accounts/relationships?id[]={other.id}", headers=user.headers
    )
    assert response.status == 200
    return dict((await response.json())[0])


async def ids(client: TestClient, user: User, path: str) -> list[str]:
    response = await client.get(path, headers=user.headers)
    assert response.status == 200, await response.text()
    return [s["id"] for s in await response.json()]


async def test_block_shows_in_relationships_and_unfollows_both_ways(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, bob, alice)
    relation = await block(client, alice, bob)
    assert relation["blocking"] is True and relation["blocked_by"] is False
    assert relation["following"] is False and relation["followed_by"] is False
    theirs = await relationship(client, bob, alice)
    assert theirs["blocked_by"] is True and theirs["blocking"] is False
    assert theirs["following"] is False and theirs["followed_by"] is False
    await drain()
    for who in (alice, bob):
        account = await (await client.get(f"/api/v1/accounts/{who.id}")).json()
        assert (account["followers_count"], account["following_count"]) == (0, 0)
    # Idempotent, and undone by unblock.
    assert (await block(client, alice, bob))["blocking"] is True
    relation = await block(client, alice, bob, "unblock")
    assert relation["blocking"] is False
    assert (await relationship(client, bob, alice))["blocked_by"] is False


async def test_block_withdraws_follow_requests_both_ways(
    client: TestClient, alice: User, bob: User
) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, json={"locked": True}
    )
    assert response.status == 200
    assert (await follow(client, bob, alice))["requested"] is True
    await block(client, alice, bob)
    response = await client.get("/api/v1/follow_requests", headers=alice.headers)
    assert await response.json() == []
    assert (await relationship(client, bob, alice))["requested"] is False


async def test_the_blocked_cannot_follow_either_way(
    client: TestClient, alice: User, bob: User
) -> None:
    await block(client, alice, bob)
    for who, whom in ((bob, alice), (alice, bob)):
        response = await client.post(f"/api/v1/accounts/{whom.id}/follow", headers=who.headers)
        assert response.status == 403
        assert "error" in await response.json()
    assert (await relationship(client, bob, alice))["following"] is False


async def test_the_blocked_cannot_like_retweet_reply_to_or_quote(
    client: TestClient, alice: User, bob: User
) -> None:
    tweet = await post(client, alice, "mine")
    await block(client, alice, bob)
    # The blocker's tweets do not exist for the blocked account (404, as Mastodon).
    for action in ("favourite", "reblog", "bookmark"):
        response = await client.post(
            f"/api/v1/statuses/{tweet['id']}/{action}", headers=bob.headers
        )
        assert response.status == 404, action
    assert (await client.get(f"/api/v1/statuses/{tweet['id']}", headers=bob.headers)).status == 404
    for field in ("in_reply_to_id", "quoted_status_id"):
        response = await client.post(
            "/api/v1/statuses", headers=bob.headers, json={"status": "hi", field: tweet["id"]}
        )
        assert response.status == 404, field
    # The blocker may not like or retweet the blocked account's tweets either (403).
    theirs = await post(client, bob, "theirs")
    for action in ("favourite", "reblog"):
        response = await client.post(
            f"/api/v1/statuses/{theirs['id']}/{action}", headers=alice.headers
        )
        assert response.status == 403, action
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        json={"status": "q", "quoted_status_id": theirs["id"]},
    )
    assert response.status == 403
    # Nothing was counted.
    found = await (await client.get(f"/api/v1/statuses/{tweet['id']}")).json()
    assert (found["favourites_count"], found["reblogs_count"]) == (0, 0)


async def test_neither_sees_the_other_anywhere(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    await follow(client, bob, alice)
    root = await post(client, carol, "thread root")
    reply_bob = await post(client, bob, "bob replies", in_reply_to_id=root["id"])
    reply_alice = await post(client, alice, "alice replies", in_reply_to_id=root["id"])
    by_bob = await post(client, bob, "bob speaks #blocktag https://example.com/story")
    by_alice = await post(client, alice, "alice speaks #blocktag https://example.com/story")
    await drain()
    await block(client, alice, bob)
    await drain()
    paths = (
        "/api/v1/timelines/home",
        "/api/v1/timelines/public",
        "/api/v1/timelines/tag/blocktag",
        "/api/v1/timelines/link?url=https%3A%2F%2Fexample.com%2Fstory",
    )
    for path in paths:
        assert by_bob["id"] not in await ids(client, alice, path), path
        assert by_alice["id"] not in await ids(client, bob, path), path
    # Neither profile shows anything to the other.
    assert await ids(client, bob, f"/api/v1/accounts/{alice.id}/statuses") == []
    assert await ids(client, alice, f"/api/v1/accounts/{bob.id}/statuses") == []
    assert by_bob["id"] in await ids(client, carol, f"/api/v1/accounts/{bob.id}/statuses")
    # Threads.
    context = await (
        await client.get(f"/api/v1/statuses/{root['id']}/context", headers=alice.headers)
    ).json()
    assert [s["id"] for s in context["descendants"]] == [reply_alice["id"]]
    context = await (
        await client.get(f"/api/v1/statuses/{root['id']}/context", headers=bob.headers)
    ).json()
    assert [s["id"] for s in context["descendants"]] == [reply_bob["id"]]
    # Search.
    for who, other in ((alice, by_bob), (bob, by_alice)):
        response = await client.get("/api/v2/search?q=speaks&type=statuses", headers=who.headers)
        assert other["id"] not in [s["id"] for s in (await response.json())["statuses"]]
    # Others still see both.
    for path in paths[1:]:
        seen = await ids(client, carol, path)
        assert by_bob["id"] in seen and by_alice["id"] in seen


async def test_no_notifications_between_them(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    tweet = await post(client, bob, "bob's")
    await act(client, alice, tweet["id"], "favourite")
    await drain()
    notes = await (await client.get("/api/v1/notifications", headers=bob.headers)).json()
    assert [n["type"] for n in notes] == ["favourite"]
    await block(client, bob, alice)
    # Earlier notifications from the blocked account leave the list...
    assert await (await client.get("/api/v1/notifications", headers=bob.headers)).json() == []
    # ... and a mention by them notifies no one.
    await post(client, alice, "@bob hello")
    await drain()
    assert await (await client.get("/api/v1/notifications", headers=bob.headers)).json() == []


async def test_blocks_list_pages_with_link_headers(client: TestClient, alice: User) -> None:
    others = [await sign_up(client) for _ in range(3)]
    for other in others:
        await block(client, alice, other)
    response = await client.get("/api/v1/blocks?limit=2", headers=alice.headers)
    assert response.status == 200
    assert [a["id"] for a in await response.json()] == [others[2].id, others[1].id]
    assert 'rel="next"' in response.headers["Link"]
    next_url = URL(response.headers["Link"].split(";")[0].strip("<>"))
    response = await client.get(next_url.path_qs, headers=alice.headers)
    assert [a["id"] for a in await response.json()] == [others[0].id]


async def test_block_refusals(client: TestClient, alice: User) -> None:
    assert (await client.post(f"/api/v1/accounts/{alice.id}/block")).status == 401
    read_only = await user_token(client, alice, "read")
    response = await client.post("/api/v1/accounts/1/block", headers=read_only)
    assert response.status == 403
    response = await client.get("/api/v1/blocks", headers=await user_token(client, alice, "write"))
    assert response.status == 403
    response = await client.post("/api/v1/accounts/999999/block", headers=alice.headers)
    assert response.status == 404
    response = await client.post(f"/api/v1/accounts/{alice.id}/block", headers=alice.headers)
    assert response.status == 403
