"""Notification policies (v1 and v2) with real filtering, and notification requests."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, act, follow, post, sign_up, user_token

DEFAULTS = {
    "for_not_following": "accept",
    "for_not_followers": "accept",
    "for_new_accounts": "accept",
    "for_private_mentions": "filter",
    "for_limited_accounts": "filter",
}


async def get_json(client: TestClient, path: str, user: User, status: int = 200) -> Any:
    response = await client.get(path, headers=user.headers)
    assert response.status == status, await response.text()
    return await response.json()


async def set_policy(client: TestClient, user: User, **fields: str) -> dict[str, Any]:
    response = await client.patch("/api/v2/notifications/policy", headers=user.headers, json=fields)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def types_of(client: TestClient, user: User, query: str = "") -> list[tuple[str, str]]:
    rows = await get_json(client, f"/api/v1/notifications{query}", user)
    return [(n["type"], n["account"]["id"]) for n in rows]


async def test_defaults_are_mastodons(client: TestClient, alice: User) -> None:
    body = await get_json(client, "/api/v2/notifications/policy", alice)
    assert body == {
        **DEFAULTS,
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
    }
    v1 = await get_json(client, "/api/v1/notifications/policy", alice)
    assert v1 == {
        "filter_not_following": False,
        "filter_not_followers": False,
        "filter_new_accounts": False,
        "filter_private_mentions": True,
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
    }


async def test_update_v2_and_v1(client: TestClient, alice: User) -> None:
    body = await set_policy(client, alice, for_not_following="filter", for_new_accounts="drop")
    assert body["for_not_following"] == "filter"
    assert body["for_new_accounts"] == "drop"
    assert body["for_private_mentions"] == "filter"  # untouched
    v1 = await get_json(client, "/api/v1/notifications/policy", alice)
    assert (v1["filter_not_following"], v1["filter_new_accounts"]) == (True, True)
    # v1 booleans, as a form: true filters, false accepts.
    response = await client.patch(
        "/api/v1/notifications/policy",
        headers=alice.headers,
        data={"filter_not_following": "false", "filter_not_followers": "true"},
    )
    assert response.status == 200
    v1 = await response.json()
    assert (v1["filter_not_following"], v1["filter_not_followers"]) == (False, True)
    v2 = await get_json(client, "/api/v2/notifications/policy", alice)
    assert (v2["for_not_following"], v2["for_not_followers"]) == ("accept", "filter")
    assert v2["for_new_accounts"] == "drop"
    for bad in ({"for_not_following": "maybe"}, {"for_limited_accounts": ""}):
        wrong = await client.patch("/api/v2/notifications/policy", headers=alice.headers, json=bad)
        assert wrong.status == 422
        assert "error" in await wrong.json()
    wrong = await client.patch(
        "/api/v1/notifications/policy", headers=alice.headers, json={"filter_new_accounts": "x"}
    )
    assert wrong.status == 422


async def test_filter_and_drop_not_following(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, carol)
    await set_policy(client, alice, for_not_following="filter")
    tweet = await post(client, alice, "hello")
    await act(client, bob, tweet["id"], "favourite")  # Alice does not follow Bob: filtered
    await act(client, carol, tweet["id"], "favourite")  # Carol she follows: shown
    mention = await post(client, bob, "@alice hey")
    await drain()
    assert await types_of(client, alice) == [("favourite", carol.id)]
    everything = await types_of(client, alice, "?include_filtered=true")
    assert sorted(everything) == sorted(
        [("mention", bob.id), ("favourite", bob.id), ("favourite", carol.id)]
    )
    # One sender's notifications include their filtered ones, as in Mastodon.
    assert await types_of(client, alice, f"?account_id={bob.id}") == [
        ("mention", bob.id),
        ("favourite", bob.id),
    ]
    groups = await get_json(client, "/api/v2/notifications", alice)
    assert [g["type"] for g in groups["notification_groups"]] == ["favourite"]
    filtered = await get_json(client, "/api/v2/notifications?include_filtered=true", alice)
    assert len(filtered["notification_groups"]) == 3  # filtered ones are never grouped
    # Bob's filtered mention waits in a request; the favourite only among filtered ones.
    requests = await get_json(client, "/api/v1/notifications/requests", alice)
    assert [(r["account"]["id"], r["notifications_count"]) for r in requests] == [(bob.id, "1")]
    assert requests[0]["last_status"]["id"] == mention["id"]
    summary = (await get_json(client, "/api/v2/notifications/policy", alice))["summary"]
    assert summary == {"pending_requests_count": 1, "pending_notifications_count": 1}
    unread = await get_json(client, "/api/v1/notifications/unread_count", alice)
    assert unread == {"count": 1}

    await set_policy(client, alice, for_not_following="drop")
    await act(client, bob, tweet["id"], "reblog")
    await drain()
    assert ("reblog", bob.id) not in await types_of(client, alice, "?include_filtered=true")


async def test_not_followers_and_new_accounts(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    tweet = await post(client, alice, "hello")
    await set_policy(client, alice, for_not_followers="filter")
    await follow(client, bob, alice)  # a follower of less than three days still counts as new
    await act(client, bob, tweet["id"], "favourite")
    await drain()
    assert ("favourite", bob.id) not in await types_of(client, alice)
    await set_policy(client, alice, for_not_followers="accept", for_new_accounts="drop")
    newcomer = await sign_up(client)  # a minute old
    await act(client, newcomer, tweet["id"], "favourite")
    await drain()
    assert ("favourite", newcomer.id) not in await types_of(client, alice, "?include_filtered=true")
    await follow(client, alice, newcomer)  # unless Alice follows them
    await act(client, newcomer, tweet["id"], "reblog")
    await drain()
    assert ("reblog", newcomer.id) in await types_of(client, alice)


async def test_private_mentions_out_of_the_blue_are_filtered(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    out_of_the_blue = await post(client, bob, "@alice psst", visibility="direct")
    await drain()
    assert await types_of(client, alice) == []
    # An answer to Alice's own private mention of Bob is shown.
    question = await post(client, alice, "@bob are you there?", visibility="direct")
    answer = await post(
        client, bob, "@alice yes", visibility="direct", in_reply_to_id=question["id"]
    )
    # So is a private mention from someone Alice follows.
    await follow(client, alice, carol)
    await post(client, carol, "@alice hi", visibility="direct")
    await drain()
    shown = await get_json(client, "/api/v1/notifications", alice)
    assert [(n["account"]["id"], n["status"]["id"]) for n in shown][1:] == [(bob.id, answer["id"])]
    assert shown[0]["account"]["id"] == carol.id
    requests = await get_json(client, "/api/v1/notifications/requests", alice)
    assert [r["last_status"]["id"] for r in requests] == [out_of_the_blue["id"]]
    await set_policy(client, alice, for_private_mentions="accept")
    await post(client, bob, "@alice now?", visibility="direct")
    await drain()
    assert (await get_json(client, "/api/v1/notifications", alice))[0]["account"]["id"] == bob.id


async def filtered_mentions(
    client: TestClient, alice: User, senders: list[User], drain: Drain
) -> list[dict[str, Any]]:
    for sender in senders:
        await post(client, sender, "@alice one", visibility="direct")
        await post(client, sender, "@alice two", visibility="direct")
    await drain()
    requests = await get_json(client, "/api/v1/notifications/requests", alice)
    assert [r["account"]["id"] for r in requests] == [s.id for s in reversed(senders)]
    return list(requests)


async def test_accepting_a_request_merges_and_stops_filtering(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    requests = await filtered_mentions(client, alice, [bob, carol], drain)
    bobs = requests[1]
    assert bobs["notifications_count"] == "2"
    shown = await get_json(client, f"/api/v1/notifications/requests/{bobs['id']}", alice)
    assert shown["id"] == bobs["id"] and shown["account"]["id"] == bob.id
    assert shown["last_status"]["content"].endswith("two</p>")
    # Carol cannot see or act on Alice's requests.
    for verb in ("accept", "dismiss"):
        other = await client.post(
            f"/api/v1/notifications/requests/{bobs['id']}/{verb}", headers=carol.headers
        )
        assert other.status == 404
    await get_json(client, f"/api/v1/notifications/requests/{bobs['id']}", carol, status=404)
    await get_json(client, "/api/v1/notifications/requests/123", alice, status=404)

    accepted = await client.post(
        f"/api/v1/notifications/requests/{bobs['id']}/accept", headers=alice.headers
    )
    assert (accepted.status, await accepted.json()) == (200, {})
    assert await types_of(client, alice) == [("mention", bob.id), ("mention", bob.id)]
    assert await get_json(client, "/api/v1/notifications/requests/merged", alice) == {
        "merged": True
    }
    await get_json(client, f"/api/v1/notifications/requests/{bobs['id']}", alice, status=404)
    again = await client.post(
        f"/api/v1/notifications/requests/{bobs['id']}/accept", headers=alice.headers
    )
    assert again.status == 404
    # Bob is accepted for good: his next private mention is shown at once.
    await post(client, bob, "@alice three", visibility="direct")
    await drain()
    assert len(await types_of(client, alice)) == 3
    remaining = await get_json(client, "/api/v1/notifications/requests", alice)
    assert [r["account"]["id"] for r in remaining] == [carol.id]

    dismissed = await client.post(
        f"/api/v1/notifications/requests/{remaining[0]['id']}/dismiss", headers=alice.headers
    )
    assert dismissed.status == 200
    assert await get_json(client, "/api/v1/notifications/requests", alice) == []
    assert carol.id not in {a for _, a in await types_of(client, alice, "?include_filtered=true")}


async def test_bulk_accept_and_dismiss(client: TestClient, alice: User, drain: Drain) -> None:
    senders = [await sign_up(client) for _ in range(3)]
    requests = await filtered_mentions(client, alice, senders, drain)
    ids = [r["id"] for r in requests]
    response = await client.post(
        "/api/v1/notifications/requests/accept",
        headers=alice.headers,
        json={"id": [*ids[:2], "999"]},  # ids that are not Alice's are skipped
    )
    assert (response.status, await response.json()) == (200, {})
    assert len(await types_of(client, alice)) == 4
    response = await client.post(
        "/api/v1/notifications/requests/dismiss", headers=alice.headers, data={"id[]": ids[2]}
    )
    assert response.status == 200
    assert await get_json(client, "/api/v1/notifications/requests", alice) == []
    summary = (await get_json(client, "/api/v1/notifications/policy", alice))["summary"]
    assert summary == {"pending_requests_count": 0, "pending_notifications_count": 0}
    for body in ({}, {"id": []}, {"id": ["abc"]}, {"id": [str(2**63)]}):
        bad = await client.post(
            "/api/v1/notifications/requests/accept", headers=alice.headers, json=body
        )
        assert bad.status == 422, body


async def test_requests_pages(client: TestClient, alice: User, drain: Drain) -> None:
    senders = [await sign_up(client) for _ in range(3)]
    requests = await filtered_mentions(client, alice, senders, drain)
    response = await client.get("/api/v1/notifications/requests?limit=2", headers=alice.headers)
    assert [r["id"] for r in await response.json()] == [r["id"] for r in requests[:2]]
    assert f"max_id={requests[1]['id']}" in response.headers["Link"]
    older = await get_json(
        client, f"/api/v1/notifications/requests?max_id={requests[1]['id']}", alice
    )
    assert [r["id"] for r in older] == [requests[2]["id"]]


async def test_authentication_and_scopes(client: TestClient, alice: User) -> None:
    read = await user_token(client, alice, "read:notifications")
    other = await user_token(client, alice, "read:statuses write:statuses")
    reads = (
        "/api/v1/notifications/policy",
        "/api/v2/notifications/policy",
        "/api/v1/notifications/requests",
        "/api/v1/notifications/requests/1",
        "/api/v1/notifications/requests/merged",
    )
    for path in reads:
        assert (await client.get(path)).status == 401, path
        assert (await client.get(path, headers=other)).status == 403, path
    assert (await client.get("/api/v2/notifications/policy", headers=read)).status == 200
    writes = (
        ("PATCH", "/api/v1/notifications/policy"),
        ("PATCH", "/api/v2/notifications/policy"),
        ("POST", "/api/v1/notifications/requests/1/accept"),
        ("POST", "/api/v1/notifications/requests/1/dismiss"),
        ("POST", "/api/v1/notifications/requests/accept"),
        ("POST", "/api/v1/notifications/requests/dismiss"),
    )
    for method, path in writes:
        assert (await client.request(method, path)).status == 401, path
        assert (await client.request(method, path, headers=read)).status == 403, path
