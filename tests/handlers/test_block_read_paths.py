"""Blocks and mutes on the account lists a viewer reads, as Mastodon's
`not_excluded_by_account`: account search (both endpoints), followers and following, familiar
followers, who liked or retweeted a tweet, and notifications from a muted account; live streams
of a blocking or blocked account."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.handlers.test_blocks import block, ids
from tests.helpers import Drain, User, act, follow, post, sign_up


async def found(client: TestClient, viewer: User, q: str) -> list[str]:
    v1 = await client.get(f"/api/v1/accounts/search?q={q}", headers=viewer.headers)
    v2 = await client.get(f"/api/v2/search?q={q}&type=accounts", headers=viewer.headers)
    assert v1.status == 200 and v2.status == 200
    first = [a["username"] for a in await v1.json()]
    second = [a["username"] for a in (await v2.json())["accounts"]]
    assert sorted(first) == sorted(second)
    return sorted(first)


async def test_notification_requests_leave_out_the_shunned(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    policy = await client.patch(
        "/api/v2/notifications/policy",
        headers=alice.headers,
        json={"for_not_following": "filter"},
    )
    assert policy.status == 200, await policy.text()
    await post(client, bob, "@alice let me in")
    await drain()
    requests = "/api/v1/notifications/requests"
    assert len(await ids(client, alice, requests)) == 1
    await block(client, alice, bob, "mute")
    assert await ids(client, alice, requests) == []


async def test_account_search_leaves_out_blocked_blocking_and_muted(
    client: TestClient, alice: User
) -> None:
    blocked, blocker, muted, other = [
        await sign_up(client, username=f"pal{n}") for n in ("blocked", "blocker", "muted", "x")
    ]
    await block(client, alice, blocked)
    await block(client, blocker, alice)
    await block(client, alice, muted, "mute")
    assert await found(client, alice, "pal") == [other.username]
    # The others still find everyone.
    assert await found(client, other, "pal") == sorted(
        u.username for u in (blocked, blocker, muted, other)
    )
    assert "alice" not in await found(client, blocker, "alice")


async def test_follower_lists_leave_out_the_shunned(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    eve, dan = await sign_up(client, username="eve"), await sign_up(client, username="dan")
    for fan in (bob, carol, dan):
        await follow(client, fan, eve)
        await follow(client, eve, fan)
    await block(client, alice, bob)
    await block(client, alice, carol, "mute")
    for path in (f"/api/v1/accounts/{eve.id}/followers", f"/api/v1/accounts/{eve.id}/following"):
        assert await ids(client, alice, path) == [dan.id], path
        assert sorted(await ids(client, dan, path)) == sorted([bob.id, carol.id, dan.id]), path
        anonymous = await client.get(path)
        assert len(await anonymous.json()) == 3
    # One's own lists are whole; a list's owner blocking the viewer shows the viewer nothing.
    await follow(client, bob, dan)
    assert await ids(client, dan, f"/api/v1/accounts/{dan.id}/followers") != []
    await block(client, eve, dan)
    assert await ids(client, dan, f"/api/v1/accounts/{eve.id}/followers") == []
    familiar = await client.get(
        f"/api/v1/accounts/familiar_followers?id[]={eve.id}", headers=alice.headers
    )
    assert (await familiar.json())[0]["accounts"] == []


async def test_who_liked_or_retweeted_leaves_out_the_shunned(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    eve = await sign_up(client, username="eve")
    tweet = await post(client, eve, "popular")
    for fan in (bob, carol):
        await act(client, fan, tweet["id"], "favourite")
        await act(client, fan, tweet["id"], "reblog")
    await block(client, alice, bob)
    for kind in ("favourited_by", "reblogged_by"):
        path = f"/api/v1/statuses/{tweet['id']}/{kind}"
        assert await ids(client, alice, path) == [carol.id], kind
        assert sorted(await ids(client, eve, path)) == sorted([bob.id, carol.id]), kind
    await block(client, carol, alice)  # blocked by carol: carol leaves alice's lists too
    for kind in ("favourited_by", "reblogged_by"):
        assert await ids(client, alice, f"/api/v1/statuses/{tweet['id']}/{kind}") == []


async def test_a_muted_account_s_notifications_leave_the_list(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await post(client, bob, "@alice one")
    await post(client, carol, "@alice two")
    await drain()
    assert len(await ids(client, alice, "/api/v1/notifications")) == 2
    # A mute that keeps notifications keeps them.
    await client.post(
        f"/api/v1/accounts/{carol.id}/mute", headers=alice.headers, json={"notifications": False}
    )
    await block(client, alice, bob, "mute")
    listed = await (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    assert [n["account"]["id"] for n in listed] == [carol.id]
    grouped = await client.get("/api/v2/notifications", headers=alice.headers)
    groups = (await grouped.json())["notification_groups"]
    assert [g["sample_account_ids"] for g in groups] == [[carol.id]]
    unread = await client.get("/api/v1/notifications/unread_count", headers=alice.headers)
    assert (await unread.json())["count"] == 1
    await client.post(f"/api/v1/accounts/{bob.id}/unmute", headers=alice.headers)
    assert len(await ids(client, alice, "/api/v1/notifications")) == 2
