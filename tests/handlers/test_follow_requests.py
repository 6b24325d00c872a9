"""Locked accounts and follow requests end to end: following a locked account asks, its owner
hears of it and authorizes or rejects; unfollowing withdraws; unlocking authorizes what is
pending. A pending request is never a follow."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, follow, post, user_token


async def lock(client: TestClient, user: User, locked: bool = True) -> dict[str, Any]:
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=user.headers, json={"locked": locked}
    )
    assert response.status == 200, await response.text()
    body = dict(await response.json())
    assert body["locked"] is locked
    return body


async def relationship(client: TestClient, user: User, other: User) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/accounts/relationships?id[]={other.id}", headers=user.headers
    )
    assert response.status == 200
    return dict((await response.json())[0])


async def notification_types(client: TestClient, user: User) -> list[tuple[str, str]]:
    response = await client.get("/api/v1/notifications", headers=user.headers)
    assert response.status == 200
    return [(n["type"], n["account"]["id"]) for n in await response.json()]


async def requesters(client: TestClient, user: User, query: str = "") -> list[str]:
    response = await client.get(f"/api/v1/follow_requests{query}", headers=user.headers)
    assert response.status == 200, await response.text()
    return [a["id"] for a in await response.json()]


async def counts(client: TestClient, user: User) -> tuple[int, int]:
    body = await (await client.get(f"/api/v1/accounts/{user.id}")).json()
    return body["followers_count"], body["following_count"]


async def home_ids(client: TestClient, user: User) -> list[str]:
    response = await client.get("/api/v1/timelines/home", headers=user.headers)
    assert response.status == 200
    return [s["id"] for s in await response.json()]


async def test_following_a_locked_account_asks(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await lock(client, alice)
    relation = await follow(client, bob, alice)
    assert relation["following"] is False and relation["requested"] is True
    assert (await follow(client, bob, alice))["requested"] is True  # asking again: same request
    assert (await relationship(client, alice, bob))["requested_by"] is True
    assert await counts(client, alice) == (0, 0)
    await drain()
    assert await notification_types(client, alice) == [("follow_request", bob.id)]
    assert await requesters(client, alice) == [bob.id]
    me = await (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).json()
    assert me["source"]["follow_requests_count"] == 1


async def test_a_pending_request_is_not_a_follow(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await lock(client, alice)
    secret = await post(client, alice, "followers only", visibility="private")
    await follow(client, bob, alice)
    await post(client, alice, "after the request", visibility="private")
    await drain()
    assert await home_ids(client, bob) == []
    hidden = await client.get(f"/api/v1/statuses/{secret['id']}", headers=bob.headers)
    assert hidden.status == 404
    listed = await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=bob.headers)
    assert [s["id"] for s in await listed.json()] == []
    followers = await client.get(f"/api/v1/accounts/{alice.id}/followers")
    assert await followers.json() == []


async def test_authorize_makes_the_follow(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await lock(client, alice)
    secret = await post(client, alice, "followers only", visibility="private")
    await follow(client, bob, alice)
    await drain()
    response = await client.post(
        f"/api/v1/follow_requests/{bob.id}/authorize", headers=alice.headers
    )
    assert response.status == 200, await response.text()
    relation = await response.json()
    assert relation["id"] == bob.id
    assert relation["followed_by"] is True and relation["requested_by"] is False
    await drain()
    bobs_view = await relationship(client, bob, alice)
    assert bobs_view["following"] is True and bobs_view["requested"] is False
    assert await counts(client, alice) == (1, 0)
    assert await counts(client, bob) == (0, 1)
    assert await requesters(client, alice) == []
    # The request's notification is gone, and no `follow` one comes (as in Mastodon).
    assert await notification_types(client, alice) == []
    # The follow's usual effects: the locked account's tweets are merged into the home feed.
    assert await home_ids(client, bob) == [secret["id"]]
    shown = await client.get(f"/api/v1/statuses/{secret['id']}", headers=bob.headers)
    assert shown.status == 200
    # Nothing pending any more.
    again = await client.post(f"/api/v1/follow_requests/{bob.id}/authorize", headers=alice.headers)
    assert again.status == 404


async def test_reject(client: TestClient, alice: User, bob: User, drain: Drain) -> None:
    await lock(client, alice)
    await follow(client, bob, alice)
    await drain()
    response = await client.post(f"/api/v1/follow_requests/{bob.id}/reject", headers=alice.headers)
    assert response.status == 200
    relation = await response.json()
    assert relation["followed_by"] is False and relation["requested_by"] is False
    await drain()
    assert await notification_types(client, alice) == []
    assert (await relationship(client, bob, alice))["requested"] is False
    assert await counts(client, alice) == (0, 0)
    again = await client.post(f"/api/v1/follow_requests/{bob.id}/reject", headers=alice.headers)
    assert again.status == 404
    # Bob may ask again.
    assert (await follow(client, bob, alice))["requested"] is True


async def test_unfollow_withdraws_the_request(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await lock(client, alice)
    await follow(client, bob, alice)
    await drain()
    response = await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bob.headers)
    assert response.status == 200
    assert (await response.json())["requested"] is False
    await drain()
    assert await requesters(client, alice) == []
    assert await notification_types(client, alice) == []


async def test_unlocking_authorizes_pending_requests(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await lock(client, alice)
    await follow(client, bob, alice)
    await follow(client, carol, alice)
    await drain()
    await lock(client, alice, False)
    await drain()
    assert await requesters(client, alice) == []
    assert (await relationship(client, bob, alice))["following"] is True
    assert (await relationship(client, carol, alice))["following"] is True
    assert await counts(client, alice) == (2, 0)
    # Unlocked now: a new follow is a follow at once.
    dave_follow = await follow(client, alice, bob)
    assert dave_follow["following"] is True


async def test_following_an_unlocked_account_is_a_follow(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    relation = await follow(client, bob, alice)
    assert relation["following"] is True and relation["requested"] is False
    await drain()
    assert await notification_types(client, alice) == [("follow", bob.id)]
    assert await requesters(client, alice) == []


async def test_already_following_then_locked_stays_following(
    client: TestClient, alice: User, bob: User
) -> None:
    await follow(client, bob, alice)
    await lock(client, alice)
    relation = await follow(client, bob, alice)
    assert relation["following"] is True and relation["requested"] is False
    assert await requesters(client, alice) == []


async def test_follow_requests_are_paged_with_links(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    await lock(client, alice)
    await follow(client, bob, alice)
    await follow(client, carol, alice)
    response = await client.get("/api/v1/follow_requests?limit=1", headers=alice.headers)
    assert [a["id"] for a in await response.json()] == [carol.id]
    link = response.headers["Link"]
    assert 'rel="next"' in link and 'rel="prev"' in link
    next_url = link.split(";")[0].strip("<>")
    assert await requesters(client, alice, next_url[next_url.index("?") :]) == [bob.id]


async def test_follow_request_scopes_and_failures(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    await lock(client, alice)
    await follow(client, bob, alice)
    # No token.
    assert (await client.get("/api/v1/follow_requests")).status == 401
    no_token = await client.post(f"/api/v1/follow_requests/{bob.id}/authorize")
    assert no_token.status == 401
    assert (await no_token.json())["error"]
    # Wrong scopes: listing needs read:follows, deciding needs write:follows.
    writer = await user_token(client, alice, "write:follows")
    reader = await user_token(client, alice, "read:follows")
    assert (await client.get("/api/v1/follow_requests", headers=writer)).status == 403
    assert (await client.get("/api/v1/follow_requests", headers=reader)).status == 200
    for action in ("authorize", "reject"):
        denied = await client.post(f"/api/v1/follow_requests/{bob.id}/{action}", headers=reader)
        assert denied.status == 403
    # Someone else's request: carol cannot decide on a request made to alice.
    other = await client.post(f"/api/v1/follow_requests/{bob.id}/authorize", headers=carol.headers)
    assert other.status == 404
    assert await requesters(client, alice) == [bob.id]
    # Unknown and malformed ids.
    for bad in ("999999", "abc", str(2**64)):
        missing = await client.post(f"/api/v1/follow_requests/{bad}/reject", headers=alice.headers)
        assert missing.status == 404, bad
    ok = await client.post(f"/api/v1/follow_requests/{bob.id}/authorize", headers=writer)
    assert ok.status == 200
