"""Notifications: mention, favourite, reblog, follow, quote; filters, show, dismiss, clear, paging."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, act, post


async def notifications(client: TestClient, user: User, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/notifications{query}", headers=user.headers)
    assert response.status == 200, await response.text()
    return list(await response.json())


def summary(rows: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [
        (n["type"], n["account"]["id"], n["status"]["id"] if n["status"] else None) for n in rows
    ]


async def test_mention_notification(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    tweet = await post(client, alice, "hey @bob")
    await drain()
    rows = await notifications(client, bob)
    assert summary(rows) == [("mention", alice.id, tweet["id"])]
    assert rows[0]["status"]["content"] == tweet["content"]
    assert rows[0]["account"]["username"] == "alice"
    assert await notifications(client, alice) == []


async def test_reply_notifies_the_replied_to_author(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    tweet = await post(client, alice, "thoughts?")
    reply = await post(client, bob, "yes", in_reply_to_id=tweet["id"])
    await drain()
    assert summary(await notifications(client, alice)) == [("mention", bob.id, reply["id"])]


async def test_favourite_and_unfavourite_notification(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    tweet = await post(client, alice, "like me")
    await act(client, bob, tweet["id"], "favourite")
    await drain()
    assert summary(await notifications(client, alice)) == [("favourite", bob.id, tweet["id"])]
    await act(client, bob, tweet["id"], "unfavourite")
    await drain()
    assert await notifications(client, alice) == []


async def test_reblog_notification_points_at_the_original(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    tweet = await post(client, alice, "retweet me")
    await act(client, bob, tweet["id"], "reblog")
    await drain()
    assert summary(await notifications(client, alice)) == [("reblog", bob.id, tweet["id"])]
    await act(client, bob, tweet["id"], "unreblog")
    await drain()
    assert await notifications(client, alice) == []


async def test_follow_notification(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    await drain()
    rows = await notifications(client, alice)
    assert summary(rows) == [("follow", bob.id, None)]
    assert rows[0]["status"] is None


async def test_quote_notification(client: TestClient, alice: User, bob: User, drain: Drain) -> None:
    tweet = await post(client, alice, "quote me")
    quote = await post(client, bob, "so true", quoted_status_id=tweet["id"])
    await drain()
    rows = await notifications(client, alice)
    assert summary(rows) == [("quote", bob.id, quote["id"])]
    assert rows[0]["status"]["quote"]["quoted_status"]["id"] == tweet["id"]


async def test_no_notification_for_acting_on_own_tweet(
    client: TestClient, alice: User, drain: Drain
) -> None:
    tweet = await post(client, alice, "talking to @alice myself")
    await act(client, alice, tweet["id"], "favourite")
    await act(client, alice, tweet["id"], "reblog")
    await post(client, alice, "replying to me", in_reply_to_id=tweet["id"])
    await post(client, alice, "quoting me", quoted_status_id=tweet["id"])
    await drain()
    assert await notifications(client, alice) == []


async def test_type_filters(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    tweet = await post(client, alice, "x")
    await act(client, bob, tweet["id"], "favourite")
    await act(client, carol, tweet["id"], "reblog")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    mention = await post(client, carol, "@alice hi")
    await drain()
    everything = await notifications(client, alice)
    assert [n["type"] for n in everything] == ["mention", "follow", "reblog", "favourite"]

    only = await notifications(client, alice, "?types[]=favourite&types[]=mention")
    assert summary(only) == [
        ("mention", carol.id, mention["id"]),
        ("favourite", bob.id, tweet["id"]),
    ]
    excluded = await notifications(client, alice, "?exclude_types[]=follow&exclude_types[]=reblog")
    assert [n["type"] for n in excluded] == ["mention", "favourite"]
    both = await notifications(
        client, alice, "?types[]=follow&types[]=reblog&exclude_types[]=reblog"
    )
    assert [n["type"] for n in both] == ["follow"]

    bad = await client.get("/api/v1/notifications?types[]=nonsense", headers=alice.headers)
    assert bad.status == 422


async def test_show_dismiss_and_clear(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    tweet = await post(client, alice, "x")
    await act(client, bob, tweet["id"], "favourite")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    await drain()
    follow_row, favourite_row = await notifications(client, alice)

    shown = await client.get(f"/api/v1/notifications/{favourite_row['id']}", headers=alice.headers)
    assert shown.status == 200
    assert (await shown.json())["type"] == "favourite"
    # Someone else's notification is not found.
    foreign = await client.get(f"/api/v1/notifications/{favourite_row['id']}", headers=bob.headers)
    assert foreign.status == 404
    dismissed = await client.post(
        f"/api/v1/notifications/{favourite_row['id']}/dismiss", headers=bob.headers
    )
    assert dismissed.status == 404

    response = await client.post(
        f"/api/v1/notifications/{favourite_row['id']}/dismiss", headers=alice.headers
    )
    assert response.status == 200
    assert [n["id"] for n in await notifications(client, alice)] == [follow_row["id"]]
    gone = await client.get(f"/api/v1/notifications/{favourite_row['id']}", headers=alice.headers)
    assert gone.status == 404
    again = await client.post(
        f"/api/v1/notifications/{favourite_row['id']}/dismiss", headers=alice.headers
    )
    assert again.status == 404

    cleared = await client.post("/api/v1/notifications/clear", headers=alice.headers)
    assert cleared.status == 200
    assert await notifications(client, alice) == []
    assert (await client.get("/api/v1/notifications/999", headers=alice.headers)).status == 404


async def test_legacy_dismiss(client: TestClient, alice: User, bob: User, drain: Drain) -> None:
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    await drain()
    (row,) = await notifications(client, alice)
    response = await client.post(
        "/api/v1/notifications/dismiss", headers=alice.headers, json={"id": row["id"]}
    )
    assert response.status == 200
    assert await notifications(client, alice) == []


async def test_pagination(client: TestClient, alice: User, bob: User, drain: Drain) -> None:
    tweets = [await post(client, alice, f"tweet {i}") for i in range(5)]
    for tweet in tweets:
        await act(client, bob, tweet["id"], "favourite")
    await drain()
    rows = await notifications(client, alice)
    assert [n["status"]["id"] for n in rows] == [t["id"] for t in reversed(tweets)]
    all_ids = [n["id"] for n in rows]

    response = await client.get("/api/v1/notifications?limit=2", headers=alice.headers)
    assert [n["id"] for n in await response.json()] == all_ids[:2]
    found = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
    )
    assert f"max_id={all_ids[1]}" in found["next"]
    assert f"min_id={all_ids[0]}" in found["prev"]
    path = found["next"][found["next"].index("/api/") :]
    assert [
        n["id"]
        for n in await notifications(client, alice, path.removeprefix("/api/v1/notifications"))
    ] == all_ids[2:4]
    assert [
        n["id"] for n in await notifications(client, alice, f"?min_id={all_ids[2]}&limit=1")
    ] == [all_ids[1]]
    assert [
        n["id"] for n in await notifications(client, alice, f"?since_id={all_ids[2]}")
    ] == all_ids[:2]


async def test_notifications_need_a_user_token(client: TestClient) -> None:
    assert (await client.get("/api/v1/notifications")).status == 401
    assert (await client.post("/api/v1/notifications/clear")).status == 401


async def test_notifications_of_deleted_tweets_disappear(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    tweet = await post(client, bob, "hi @alice")
    await drain()
    assert len(await notifications(client, alice)) == 1
    await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=bob.headers)
    await drain()
    assert await notifications(client, alice) == []
