"""Lists: `/api/v1/lists` CRUD, members (only accounts one follows; an unfollow removes them),
`/api/v1/accounts/:id/lists`, and the list timeline built by the fan-out with its replies
policy, exclusive lists, blocks and mutes; every refusal. On both storage backends."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.handlers.both_backends import app  # noqa: F401  (both storage backends)
from tests.helpers import Drain, User, follow, post, sign_up, user_token


async def make_list(client: TestClient, user: User, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/lists", headers=user.headers, json=fields)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def add(client: TestClient, user: User, list_id: str, *accounts: User) -> Any:
    return await client.post(
        f"/api/v1/lists/{list_id}/accounts",
        headers=user.headers,
        json={"account_ids": [a.id for a in accounts]},
    )


async def timeline(client: TestClient, user: User, list_id: str, **query: str) -> list[str]:
    response = await client.get(
        f"/api/v1/timelines/list/{list_id}", headers=user.headers, params=query
    )
    assert response.status == 200, await response.text()
    return [s["id"] for s in await response.json()]


async def home(client: TestClient, user: User) -> list[str]:
    response = await client.get("/api/v1/timelines/home", headers=user.headers)
    assert response.status == 200
    return [s["id"] for s in await response.json()]


async def test_list_crud(client: TestClient, alice: User, bob: User) -> None:
    made = await make_list(client, alice, title="Friends")
    assert made == {
        "id": made["id"],
        "title": "Friends",
        "replies_policy": "list",
        "exclusive": False,
    }
    other = await make_list(client, alice, title="Work", replies_policy="none", exclusive=True)
    assert (other["replies_policy"], other["exclusive"]) == ("none", True)
    listed = await (await client.get("/api/v1/lists", headers=alice.headers)).json()
    assert [x["id"] for x in listed] == [made["id"], other["id"]]
    assert await (await client.get("/api/v1/lists", headers=bob.headers)).json() == []
    shown = await client.get(f"/api/v1/lists/{made['id']}", headers=alice.headers)
    assert await shown.json() == made
    # Someone else's list does not exist for them.
    for method in ("get", "put", "delete"):
        refused = await client.request(
            method, f"/api/v1/lists/{made['id']}", headers=bob.headers, json={"title": "x"}
        )
        assert refused.status == 404
        assert "error" in await refused.json()
    # A form works as well as JSON; what is not given stays.
    changed = await client.put(
        f"/api/v1/lists/{made['id']}",
        headers=alice.headers,
        data={"title": "Close friends", "exclusive": "true"},
    )
    assert await changed.json() == {
        "id": made["id"],
        "title": "Close friends",
        "replies_policy": "list",
        "exclusive": True,
    }
    deleted = await client.delete(f"/api/v1/lists/{made['id']}", headers=alice.headers)
    assert (deleted.status, await deleted.json()) == (200, {})
    gone = await client.get(f"/api/v1/lists/{made['id']}", headers=alice.headers)
    assert gone.status == 404
    again = await client.delete(f"/api/v1/lists/{made['id']}", headers=alice.headers)
    assert again.status == 404


async def test_bad_input(client: TestClient, alice: User) -> None:
    for body in ({}, {"title": "  "}, {"title": "x", "replies_policy": "all"}):
        response = await client.post("/api/v1/lists", headers=alice.headers, json=body)
        assert response.status == 422, body
        assert "error" in await response.json()
    made = await make_list(client, alice, title="Friends")
    bad = await client.put(
        f"/api/v1/lists/{made['id']}", headers=alice.headers, json={"replies_policy": "x"}
    )
    assert bad.status == 422
    for path in ("/api/v1/lists/abc", "/api/v1/lists/99999", "/api/v1/timelines/list/1"):
        assert (await client.get(path, headers=alice.headers)).status == 404
    odd = await client.post(
        f"/api/v1/lists/{made['id']}/accounts",
        headers=alice.headers,
        json={"account_ids": ["-1"]},
    )
    assert odd.status == 422


async def test_authentication_and_scopes(client: TestClient, alice: User) -> None:
    made = await make_list(client, alice, title="Friends")
    assert (await client.get("/api/v1/lists")).status == 401
    reader = await user_token(client, alice, "read:lists")
    assert (await client.get("/api/v1/lists", headers=reader)).status == 200
    assert (await client.get(f"/api/v1/timelines/list/{made['id']}", headers=reader)).status == 200
    refused = await client.post("/api/v1/lists", headers=reader, json={"title": "x"})
    assert refused.status == 403
    writer = await user_token(client, alice, "write:lists")
    assert (await client.get("/api/v1/lists", headers=writer)).status == 403
    assert (await client.post("/api/v1/lists", headers=writer, json={"title": "x"})).status == 200


async def test_members_are_accounts_one_follows(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    made = await make_list(client, alice, title="Friends")
    not_followed = await add(client, alice, made["id"], bob)
    assert not_followed.status == 404
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    # All or nothing: one account not followed refuses the whole request.
    dave = await sign_up(client, username="dave")
    assert (await add(client, alice, made["id"], bob, dave)).status == 404
    members = await client.get(f"/api/v1/lists/{made['id']}/accounts", headers=alice.headers)
    assert await members.json() == []
    added = await add(client, alice, made["id"], bob, carol)
    assert (added.status, await added.json()) == (200, {})
    twice = await add(client, alice, made["id"], bob)
    assert twice.status == 422
    members = await client.get(f"/api/v1/lists/{made['id']}/accounts", headers=alice.headers)
    assert [a["username"] for a in await members.json()] == ["carol", "bob"]
    # Paged by membership (newest first), with Link headers; limit=0 is every member.
    first = await client.get(
        f"/api/v1/lists/{made['id']}/accounts", headers=alice.headers, params={"limit": "1"}
    )
    assert [a["username"] for a in await first.json()] == ["carol"]
    assert 'rel="next"' in first.headers["Link"]
    following = first.links["next"]["url"]
    rest = await client.get(following.path_qs, headers=alice.headers)
    assert [a["username"] for a in await rest.json()] == ["bob"]
    everyone = await client.get(
        f"/api/v1/lists/{made['id']}/accounts", headers=alice.headers, params={"limit": "0"}
    )
    assert len(await everyone.json()) == 2
    # The lists of mine an account is in.
    of_bob = await client.get(f"/api/v1/accounts/{bob.id}/lists", headers=alice.headers)
    assert [x["id"] for x in await of_bob.json()] == [made["id"]]
    assert (
        await (await client.get(f"/api/v1/accounts/{bob.id}/lists", headers=carol.headers)).json()
        == []
    )
    missing = await client.get("/api/v1/accounts/99999/lists", headers=alice.headers)
    assert missing.status == 404
    # Removing (a form with `account_ids[]`, as Mastodon.py sends it); idempotent.
    for _ in range(2):
        removed = await client.delete(
            f"/api/v1/lists/{made['id']}/accounts",
            headers=alice.headers,
            data={"account_ids[]": [carol.id]},
        )
        assert removed.status == 200
    members = await client.get(f"/api/v1/lists/{made['id']}/accounts", headers=alice.headers)
    assert [a["username"] for a in await members.json()] == ["bob"]
    # An unfollow takes the account out of the follower's lists, as Mastodon.
    bobs = await post(client, bob, "in the list")
    await drain()
    assert await timeline(client, alice, made["id"]) == [bobs["id"]]
    await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    members = await client.get(f"/api/v1/lists/{made['id']}/accounts", headers=alice.headers)
    assert await members.json() == []
    assert await timeline(client, alice, made["id"]) == []


async def test_the_list_timeline(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    made = await make_list(client, alice, title="Friends")
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    assert (await add(client, alice, made["id"], bob)).status == 200
    first = await post(client, bob, "one")
    await post(client, carol, "not a member")
    secret = await post(client, bob, "@alice only", visibility="direct")
    private = await post(client, bob, "followers", visibility="private")
    third = await post(client, bob, "three")
    await drain()
    # Direct tweets never go into lists (as Mastodon).
    assert await timeline(client, alice, made["id"]) == [third["id"], private["id"], first["id"]]
    assert secret["id"] in await home(client, alice)
    page = await client.get(
        f"/api/v1/timelines/list/{made['id']}", headers=alice.headers, params={"limit": "2"}
    )
    assert [s["id"] for s in await page.json()] == [third["id"], private["id"]]
    older = await client.get(page.links["next"]["url"].path_qs, headers=alice.headers)
    assert [s["id"] for s in await older.json()] == [first["id"]]
    newer = await timeline(client, alice, made["id"], min_id=first["id"])
    assert newer == [third["id"], private["id"]]
    # A retweet by a member goes in too; a deleted tweet goes out.
    retweet = await client.post(f"/api/v1/statuses/{first['id']}/reblog", headers=bob.headers)
    boosted = await retweet.json()
    await client.delete(f"/api/v1/statuses/{third['id']}", headers=bob.headers)
    await drain()
    assert await timeline(client, alice, made["id"]) == [
        boosted["id"],
        private["id"],
        first["id"],
    ]
    # Removing a member takes its tweets out of the list.
    await client.delete(
        f"/api/v1/lists/{made['id']}/accounts",
        headers=alice.headers,
        json={"account_ids": [bob.id]},
    )
    assert await timeline(client, alice, made["id"]) == []


async def test_replies_policy(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    dave = await sign_up(client, username="dave")
    for target in (bob, carol):
        await follow(client, alice, target)
    policies = {
        name: await make_list(client, alice, title=name, replies_policy=name)
        for name in ("followed", "list", "none")
    }
    for made in policies.values():
        assert (await add(client, alice, made["id"], bob)).status == 200
    assert (await add(client, alice, policies["list"]["id"], carol)).status == 200
    root_carol = await post(client, carol, "carol's")
    root_dave = await post(client, dave, "dave's")
    root_alice = await post(client, alice, "alice's")
    root_bob = await post(client, bob, "bob's")
    to_carol = await post(client, bob, "@carol yes", in_reply_to_id=root_carol["id"])
    to_dave = await post(client, bob, "@dave hm", in_reply_to_id=root_dave["id"])
    to_alice = await post(client, bob, "@alice hi", in_reply_to_id=root_alice["id"])
    to_self = await post(client, bob, "more", in_reply_to_id=root_bob["id"])
    await drain()
    # To the list's owner: every policy shows it; to oneself (a thread): always.
    assert await timeline(client, alice, policies["none"]["id"]) == [
        to_self["id"],
        to_alice["id"],
        root_bob["id"],
    ]
    # `list`: replies to members (carol is one).
    assert await timeline(client, alice, policies["list"]["id"]) == [
        to_self["id"],
        to_alice["id"],
        to_carol["id"],
        root_bob["id"],
        root_carol["id"],
    ]
    # `followed`: replies to accounts the owner follows (carol, not dave).
    assert await timeline(client, alice, policies["followed"]["id"]) == [
        to_self["id"],
        to_alice["id"],
        to_carol["id"],
        root_bob["id"],
    ]
    assert to_dave["id"] not in await home(client, alice)


async def test_exclusive_lists_keep_members_off_home(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    made = await make_list(client, alice, title="Busy", exclusive=True)
    assert (await add(client, alice, made["id"], bob)).status == 200
    bobs = await post(client, bob, "busy bob")
    carols = await post(client, carol, "carol")
    await drain()
    assert await timeline(client, alice, made["id"]) == [bobs["id"]]
    assert await home(client, alice) == [carols["id"]]
    # Not exclusive any more: new tweets come home again.
    await client.put(
        f"/api/v1/lists/{made['id']}", headers=alice.headers, json={"exclusive": False}
    )
    later = await post(client, bob, "back home")
    await drain()
    assert later["id"] in await home(client, alice)
    assert await timeline(client, alice, made["id"]) == [later["id"], bobs["id"]]


async def test_blocks_and_mutes_are_honoured(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    made = await make_list(client, alice, title="Friends", replies_policy="followed")
    assert (await add(client, alice, made["id"], bob, carol)).status == 200
    dave = await sign_up(client, username="dave")
    await follow(client, alice, dave)
    muted = await post(client, dave, "dave")
    retweet = await (
        await client.post(f"/api/v1/statuses/{muted['id']}/reblog", headers=bob.headers)
    ).json()
    await drain()
    assert retweet["id"] in await timeline(client, alice, made["id"])
    # A mute hides the muted account's tweets and retweets of them, on read and on write.
    await client.post(f"/api/v1/accounts/{dave.id}/mute", headers=alice.headers)
    assert retweet["id"] not in await timeline(client, alice, made["id"])
    reply = await post(client, carol, "@dave hey", in_reply_to_id=muted["id"])
    await drain()
    assert reply["id"] not in await timeline(client, alice, made["id"])
    # Blocking a member unfollows it: out of the list.
    await client.post(f"/api/v1/accounts/{carol.id}/block", headers=alice.headers)
    members = await client.get(f"/api/v1/lists/{made['id']}/accounts", headers=alice.headers)
    assert [a["username"] for a in await members.json()] == ["bob"]
    assert all(
        s["account"]["id"] != carol.id
        for s in await (
            await client.get(f"/api/v1/timelines/list/{made['id']}", headers=alice.headers)
        ).json()
    )


async def test_one_may_list_oneself(client: TestClient, alice: User, drain: Drain) -> None:
    made = await make_list(client, alice, title="Me", exclusive=True)
    assert (await add(client, alice, made["id"], alice)).status == 200
    mine = await post(client, alice, "my own")
    await drain()
    assert await timeline(client, alice, made["id"]) == [mine["id"]]
    assert mine["id"] in await home(client, alice)  # one's own tweets stay at home
