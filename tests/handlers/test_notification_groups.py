"""Grouped notifications (`/api/v2/notifications`, Mastodon 4.3) and unread counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, act, follow, post, sign_up, user_token


async def grouped(
    client: TestClient, user: User, query: str = "", *, status: int = 200
) -> dict[str, Any]:
    response = await client.get(f"/api/v2/notifications{query}", headers=user.headers)
    assert response.status == status, await response.text()
    return dict(await response.json())


def kinds(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(g["type"], g["notifications_count"]) for g in body["notification_groups"]]


async def busy_morning(client: TestClient, alice: User, drain: Drain) -> dict[str, Any]:
    """Three fans like Alice's tweet, two follow her, one mentions her (in public: under the
    default policy nothing of it is filtered)."""
    fans = [await sign_up(client) for _ in range(3)]
    tweet = await post(client, alice, "good morning")
    for fan in fans:
        await act(client, fan, tweet["id"], "favourite")
    await follow(client, fans[0], alice)
    await follow(client, fans[1], alice)
    mention = await post(client, fans[2], "@alice hi")
    await drain()
    return {"fans": fans, "tweet": tweet, "mention": mention}


async def test_groups_favourites_and_follows_but_not_mentions(
    client: TestClient, alice: User, drain: Drain
) -> None:
    world = await busy_morning(client, alice, drain)
    fans, tweet = world["fans"], world["tweet"]
    body = await grouped(client, alice)
    assert kinds(body) == [("mention", 1), ("follow", 2), ("favourite", 3)]
    mention, follows, likes = body["notification_groups"]
    assert mention["group_key"].startswith("ungrouped-")
    assert mention["status_id"] == world["mention"]["id"]
    assert re.fullmatch(r"follow-\d+", follows["group_key"])
    assert "status_id" not in follows
    assert follows["sample_account_ids"] == [fans[1].id, fans[0].id]
    assert re.fullmatch(rf"favourite-{tweet['id']}-\d+", likes["group_key"])
    assert likes["status_id"] == tweet["id"]
    assert likes["sample_account_ids"] == [fan.id for fan in reversed(fans)]
    # Paging fields: strings, the newest notification first, the group's oldest on the page.
    for group in body["notification_groups"]:
        assert isinstance(group["most_recent_notification_id"], str)
        assert group["page_max_id"] == group["most_recent_notification_id"]
        assert int(group["page_min_id"]) <= int(group["page_max_id"])
        datetime.fromisoformat(group["latest_page_notification_at"])
    assert int(likes["page_min_id"]) < int(likes["page_max_id"])
    # Accounts and statuses once each, beside the groups.
    assert {a["id"] for a in body["accounts"]} == {fan.id for fan in fans}
    assert len(body["accounts"]) == 3
    assert sorted(s["id"] for s in body["statuses"]) == sorted(
        [tweet["id"], world["mention"]["id"]]
    )
    assert "partial_accounts" not in body
    # The ungrouped list shows the same notifications with their group keys.
    response = await client.get("/api/v1/notifications", headers=alice.headers)
    keys = [n["group_key"] for n in await response.json()]
    assert keys.count(likes["group_key"]) == 3 and keys.count(follows["group_key"]) == 2


async def test_grouped_types_and_type_filters(
    client: TestClient, alice: User, drain: Drain
) -> None:
    world = await busy_morning(client, alice, drain)
    body = await grouped(client, alice, "?grouped_types[]=favourite")
    assert kinds(body) == [("mention", 1), ("follow", 1), ("follow", 1), ("favourite", 3)]
    assert all(g["group_key"].startswith("ungrouped-") for g in body["notification_groups"][:3])
    assert kinds(await grouped(client, alice, "?types[]=follow")) == [("follow", 2)]
    assert kinds(
        await grouped(client, alice, "?exclude_types[]=follow&exclude_types[]=mention")
    ) == [("favourite", 3)]
    # One sender's notifications: their like is a group of one of the tweet's group.
    only = await grouped(client, alice, f"?account_id={world['fans'][1].id}")
    assert kinds(only) == [("follow", 2), ("favourite", 3)]
    bad = await client.get("/api/v2/notifications?types[]=nonsense", headers=alice.headers)
    assert bad.status == 422
    assert "error" in await bad.json()
    bad_account = await client.get("/api/v2/notifications?account_id=abc", headers=alice.headers)
    assert bad_account.status == 422


async def test_partial_avatars(client: TestClient, alice: User, drain: Drain) -> None:
    world = await busy_morning(client, alice, drain)
    fans = world["fans"]
    body = await grouped(client, alice, "?expand_accounts=partial_avatars")
    # Full: each group's newest sender; partial: the other sampled ones, stripped down.
    assert {a["id"] for a in body["accounts"]} == {fans[2].id, fans[1].id}
    assert [a["id"] for a in body["partial_accounts"]] == [fans[0].id]
    assert set(body["partial_accounts"][0]) == {
        "id",
        "acct",
        "locked",
        "bot",
        "url",
        "avatar",
        "avatar_static",
    }
    assert "partial_accounts" not in await grouped(client, alice, "?expand_accounts=full")
    wrong = await client.get("/api/v2/notifications?expand_accounts=some", headers=alice.headers)
    assert wrong.status == 400
    assert "expand_accounts" in (await wrong.json())["error"]


async def test_pages_of_groups_follow_the_link_header(
    client: TestClient, alice: User, drain: Drain
) -> None:
    await busy_morning(client, alice, drain)
    response = await client.get("/api/v2/notifications?limit=1", headers=alice.headers)
    first = await response.json()
    assert kinds(first) == [("mention", 1)]
    links = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
    )
    assert "limit=1" in links["next"]
    path = links["next"].split("://", 1)[1].split("/", 1)[1]
    second = await client.get(f"/{path}", headers=alice.headers)
    assert kinds(await second.json()) == [("follow", 2)]
    newest_id = first["notification_groups"][0]["most_recent_notification_id"]
    older = await grouped(client, alice, f"?max_id={newest_id}&limit=5")
    assert kinds(older) == [("follow", 2), ("favourite", 3)]
    # From the oldest forward: min_id gives the groups right after it.
    likes = older["notification_groups"][1]
    newer = await grouped(client, alice, f"?min_id={likes['page_min_id']}&limit=1")
    assert kinds(newer) == [("favourite", 2)]  # the two likes after the first one
    assert newer["notification_groups"][0]["group_key"] == likes["group_key"]
    since = await grouped(client, alice, f"?since_id={likes['page_max_id']}")
    assert kinds(since) == [("mention", 1), ("follow", 2)]
    assert (await grouped(client, alice, "?max_id=1"))["notification_groups"] == []


async def test_one_group_its_accounts_and_dismissing_it(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    world = await busy_morning(client, alice, drain)
    fans = world["fans"]
    likes = (await grouped(client, alice, "?types[]=favourite"))["notification_groups"][0]
    key = likes["group_key"]
    shown = await client.get(f"/api/v2/notifications/{key}", headers=alice.headers)
    assert shown.status == 200
    body = await shown.json()
    group = body["notification_groups"][0]
    assert (group["group_key"], group["notifications_count"]) == (key, 3)
    assert "page_min_id" not in group
    assert [s["id"] for s in body["statuses"]] == [world["tweet"]["id"]]
    mention = (await grouped(client, alice, "?types[]=mention"))["notification_groups"][0]
    single = await client.get(
        f"/api/v2/notifications/{mention['group_key']}", headers=alice.headers
    )
    assert (await single.json())["notification_groups"][0]["notifications_count"] == 1
    # Someone else's group, and keys that cannot exist: 404.
    for path in (key, mention["group_key"], "ungrouped-abc", "ungrouped-99999999999999999999"):
        missing = await client.get(f"/api/v2/notifications/{path}", headers=bob.headers)
        assert missing.status == 404, path
    nothing = await client.get("/api/v2/notifications/nothing-here", headers=alice.headers)
    assert nothing.status == 404

    accounts = await client.get(f"/api/v2/notifications/{key}/accounts", headers=alice.headers)
    assert [a["id"] for a in await accounts.json()] == [fan.id for fan in reversed(fans)]
    paged = await client.get(f"/api/v2/notifications/{key}/accounts?limit=1", headers=alice.headers)
    assert [a["id"] for a in await paged.json()] == [fans[2].id]
    assert 'rel="next"' in paged.headers["Link"]
    alone = await client.get(
        f"/api/v2/notifications/{mention['group_key']}/accounts", headers=alice.headers
    )
    assert [a["id"] for a in await alone.json()] == [fans[2].id]
    theirs = await client.get(f"/api/v2/notifications/{key}/accounts", headers=bob.headers)
    assert await theirs.json() == []

    # Dismissing another user's group leaves it alone (and answers as Mastodon does).
    other = await client.post(f"/api/v2/notifications/{key}/dismiss", headers=bob.headers)
    assert (other.status, await other.json()) == (200, {})
    assert kinds(await grouped(client, alice, "?types[]=favourite")) == [("favourite", 3)]
    gone = await client.post(f"/api/v2/notifications/{key}/dismiss", headers=alice.headers)
    assert gone.status == 200
    assert kinds(await grouped(client, alice, "?types[]=favourite")) == []
    again = await client.post(f"/api/v2/notifications/{key}/dismiss", headers=alice.headers)
    assert again.status == 200
    await client.post(
        f"/api/v2/notifications/{mention['group_key']}/dismiss", headers=alice.headers
    )
    assert kinds(await grouped(client, alice)) == [("follow", 2)]
    assert (await client.get(f"/api/v2/notifications/{key}", headers=alice.headers)).status == 404
    cleared = await client.post("/api/v2/notifications/clear", headers=alice.headers)
    assert (cleared.status, await cleared.json()) == (200, {})
    assert kinds(await grouped(client, alice)) == []


async def test_unread_counts_follow_the_notifications_marker(
    client: TestClient, alice: User, drain: Drain, store: Any
) -> None:
    await busy_morning(client, alice, drain)

    async def count(path: str, query: str = "") -> int:
        response = await client.get(f"{path}{query}", headers=alice.headers)
        assert response.status == 200, await response.text()
        return int((await response.json())["count"])

    v1, v2 = "/api/v1/notifications/unread_count", "/api/v2/notifications/unread_count"
    # No marker yet: everything is unread.
    assert (await count(v1), await count(v2)) == (6, 3)
    assert await count(v1, "?limit=2") == 2
    assert await count(v2, "?limit=2") == 2
    assert await count(v2, "?grouped_types[]=favourite") == 4
    assert await count(v1, "?types[]=favourite") == 3
    assert await count(v1, "?exclude_types[]=favourite") == 3
    # Read up to the first follow: the second follow and the mention are left.
    rows = await (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    first_follow = [n for n in rows if n["type"] == "follow"][-1]
    await store.save_marker(
        int(alice.id), "notifications", int(first_follow["id"]), datetime.now(UTC)
    )
    assert (await count(v1), await count(v2)) == (2, 2)
    await store.save_marker(int(alice.id), "notifications", int(rows[0]["id"]), datetime.now(UTC))
    assert (await count(v1), await count(v2)) == (0, 0)
    bad = await client.get(f"{v2}?limit=lots", headers=alice.headers)
    assert bad.status == 422


async def test_authentication_and_scopes(client: TestClient, alice: User) -> None:
    read_only = await user_token(client, alice, "read:notifications")
    statuses_only = await user_token(client, alice, "read:statuses")
    for path in (
        "/api/v2/notifications",
        "/api/v2/notifications/unread_count",
        "/api/v1/notifications/unread_count",
        "/api/v2/notifications/ungrouped-1",
        "/api/v2/notifications/ungrouped-1/accounts",
    ):
        assert (await client.get(path)).status == 401, path
        assert (await client.get(path, headers=statuses_only)).status == 403, path
    for path in ("/api/v2/notifications", "/api/v1/notifications/unread_count"):
        assert (await client.get(path, headers=read_only)).status == 200, path
    writer = await user_token(client, alice, "write:notifications")
    for path in ("/api/v2/notifications/ungrouped-1/dismiss", "/api/v2/notifications/clear"):
        assert (await client.post(path)).status == 401
        assert (await client.post(path, headers=read_only)).status == 403
        assert (await client.post(path, headers=writer)).status == 200
