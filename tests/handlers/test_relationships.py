"""Follow graph: follow/unfollow, relationships, follower and following lists, account counters."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import User, follow, sign_up


async def account(client: TestClient, user: User) -> dict[str, Any]:
    response = await client.get(f"/api/v1/accounts/{user.id}")
    assert response.status == 200
    return dict(await response.json())


async def ids(client: TestClient, path: str) -> list[str]:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return [a["id"] for a in await response.json()]


async def test_follow_returns_the_relationship(client: TestClient, alice: User, bob: User) -> None:
    relation = await follow(client, alice, bob)
    assert relation["id"] == bob.id
    assert relation["following"] is True
    assert relation["followed_by"] is False
    assert relation["requested"] is False
    # Following again is idempotent.
    again = await follow(client, alice, bob)
    assert again["following"] is True
    assert (await account(client, bob))["followers_count"] == 1
    assert (await account(client, alice))["following_count"] == 1


async def test_unfollow(client: TestClient, alice: User, bob: User) -> None:
    await follow(client, alice, bob)
    response = await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert response.status == 200
    relation = await response.json()
    assert relation["following"] is False
    assert (await account(client, bob))["followers_count"] == 0
    assert (await account(client, alice))["following_count"] == 0
    # Unfollowing someone you do not follow is harmless.
    again = await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert again.status == 200
    assert (await account(client, bob))["followers_count"] == 0


async def test_followers_and_following_lists(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    await follow(client, bob, alice)
    await follow(client, carol, alice)
    await follow(client, alice, carol)
    assert await ids(client, f"/api/v1/accounts/{alice.id}/followers") == [carol.id, bob.id]
    assert await ids(client, f"/api/v1/accounts/{alice.id}/following") == [carol.id]
    assert await ids(client, f"/api/v1/accounts/{bob.id}/following") == [alice.id]
    assert await ids(client, f"/api/v1/accounts/{bob.id}/followers") == []

    page = await client.get(f"/api/v1/accounts/{alice.id}/followers?limit=1")
    assert [a["id"] for a in await page.json()] == [carol.id]
    link = page.headers["Link"]
    assert 'rel="next"' in link and 'rel="prev"' in link
    next_url = link.split(";")[0].strip("<>")
    assert "max_id=" in next_url
    path = next_url[next_url.index("/api/") :]
    assert await ids(client, path) == [bob.id]

    missing = await client.get("/api/v1/accounts/999999/followers")
    assert missing.status == 404


async def test_relationships(client: TestClient, alice: User, bob: User, carol: User) -> None:
    await follow(client, alice, bob)
    await follow(client, carol, alice)
    response = await client.get(
        f"/api/v1/accounts/relationships?id[]={bob.id}&id[]={carol.id}", headers=alice.headers
    )
    assert response.status == 200
    found = {r["id"]: r for r in await response.json()}
    assert [r["id"] for r in await response.json()] == [bob.id, carol.id]
    assert found[bob.id]["following"] is True and found[bob.id]["followed_by"] is False
    assert found[carol.id]["following"] is False and found[carol.id]["followed_by"] is True

    single = await client.get(f"/api/v1/accounts/relationships?id={bob.id}", headers=alice.headers)
    assert [r["id"] for r in await single.json()] == [bob.id]

    none = await client.get("/api/v1/accounts/relationships", headers=alice.headers)
    assert none.status == 200
    assert await none.json() == []

    anonymous = await client.get(f"/api/v1/accounts/relationships?id[]={bob.id}")
    assert anonymous.status == 401


async def test_relationships_with_unknown_id_does_not_fail(client: TestClient, alice: User) -> None:
    response = await client.get(
        "/api/v1/accounts/relationships?id[]=123456789", headers=alice.headers
    )
    assert response.status == 200
    body = await response.json()
    assert body[0]["following"] is False


async def test_account_counters(client: TestClient, alice: User, bob: User, carol: User) -> None:
    for text in ("one", "two", "three"):
        response = await client.post(
            "/api/v1/statuses", headers=alice.headers, json={"status": text}
        )
        assert response.status == 200
    await follow(client, bob, alice)
    await follow(client, carol, alice)
    await follow(client, alice, bob)
    body = await account(client, alice)
    assert (body["statuses_count"], body["followers_count"], body["following_count"]) == (3, 2, 1)
    me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    mine = await me.json()
    assert (mine["statuses_count"], mine["followers_count"], mine["following_count"]) == (3, 2, 1)


async def test_follow_yourself_is_refused(client: TestClient, alice: User) -> None:
    response = await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=alice.headers)
    assert response.status == 403
    assert "error" in await response.json()
    body = await account(client, alice)
    assert body["followers_count"] == body["following_count"] == 0


async def test_follow_unknown_account_is_404(client: TestClient, alice: User) -> None:
    response = await client.post("/api/v1/accounts/424242/follow", headers=alice.headers)
    assert response.status == 404
    assert (await account(client, alice))["following_count"] == 0
    response = await client.post("/api/v1/accounts/424242/unfollow", headers=alice.headers)
    assert response.status == 404


async def test_follow_needs_a_token(client: TestClient, alice: User) -> None:
    response = await client.post(f"/api/v1/accounts/{alice.id}/follow")
    assert response.status == 401


async def test_concurrent_follows_are_counted_exactly(client: TestClient, alice: User) -> None:
    fans = [await sign_up(client, username=f"fan{i}") for i in range(15)]
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/accounts/{alice.id}/follow", headers=f.headers) for f in fans),
        client.post(f"/api/v1/accounts/{alice.id}/follow", headers=fans[0].headers),
    )
    assert all(r.status == 200 for r in responses)
    assert (await account(client, alice))["followers_count"] == 15
    assert len(await ids(client, f"/api/v1/accounts/{alice.id}/followers?limit=80")) == 15
    await asyncio.gather(
        *(client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=f.headers) for f in fans)
    )
    assert (await account(client, alice))["followers_count"] == 0
