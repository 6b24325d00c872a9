"""/api/v2/search and /api/v1/search: accounts, hashtags, full-text tweets; /api/v1/tags/:name."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import User, post, sign_up


async def search(
    client: TestClient, query: dict[str, str], user: User | None = None, version: str = "v2"
) -> dict[str, Any]:
    response = await client.get(
        f"/api/{version}/search", params=query, headers=user.headers if user else {}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def set_display_name(client: TestClient, user: User, name: str) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=user.headers, json={"display_name": name}
    )
    assert response.status == 200, await response.text()


async def test_accounts_by_handle_prefix(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    alfred = await sign_up(client, username="alfred")
    found = await search(client, {"q": "al", "type": "accounts"}, bob)
    assert {a["id"] for a in found["accounts"]} == {alice.id, alfred.id}
    assert found["statuses"] == [] and found["hashtags"] == []
    # An exact handle match comes first.
    exact = await search(client, {"q": "@alice", "type": "accounts"}, bob)
    assert exact["accounts"][0]["id"] == alice.id
    assert [a["id"] for a in (await search(client, {"q": "ALFRED"}))["accounts"]] == [alfred.id]
    assert (await search(client, {"q": "zzz", "type": "accounts"}))["accounts"] == []


async def test_accounts_by_display_name_prefix(client: TestClient, alice: User, bob: User) -> None:
    await set_display_name(client, bob, "Robert Tables")
    found = await search(client, {"q": "robert", "type": "accounts"}, alice)
    assert [a["id"] for a in found["accounts"]] == [bob.id]
    assert found["accounts"][0]["display_name"] == "Robert Tables"


async def test_hashtags(client: TestClient, alice: User) -> None:
    await post(client, alice, "#Python and #pythonista and #rust")
    await post(client, alice, "more #python")
    found = await search(client, {"q": "#pyth", "type": "hashtags"}, alice)
    names = [t["name"].lower() for t in found["hashtags"]]
    assert names == ["python", "pythonista"]
    assert found["hashtags"][0]["url"].endswith("/tags/python")
    exact = await search(client, {"q": "pythonista"}, alice)
    assert exact["hashtags"][0]["name"].lower() == "pythonista"
    assert exact["accounts"] == []
    v1 = await search(client, {"q": "#rust"}, alice, version="v1")
    assert [t.lower() for t in v1["hashtags"]] == ["rust"]


async def test_statuses_full_text_by_relevance(client: TestClient, alice: User, bob: User) -> None:
    weak = await post(
        client,
        alice,
        "a long tweet about many things, gardening, cooking, travel and once aardvark",
    )
    strong = await post(client, bob, "aardvark aardvark aardvark")
    await post(client, alice, "nothing relevant here")
    found = await search(client, {"q": "aardvark", "type": "statuses"}, alice)
    assert [s["id"] for s in found["statuses"]] == [strong["id"], weak["id"]]
    assert found["accounts"] == [] and found["hashtags"] == []
    # All words must match.
    both = await search(client, {"q": "aardvark gardening", "type": "statuses"}, alice)
    assert [s["id"] for s in both["statuses"]] == [weak["id"]]


async def test_statuses_search_needs_a_signed_in_viewer(client: TestClient, alice: User) -> None:
    await post(client, alice, "findable words")
    assert (await search(client, {"q": "findable"}))["statuses"] == []
    assert len((await search(client, {"q": "findable"}, alice))["statuses"]) == 1


async def test_operators_in_the_query_are_harmless(client: TestClient, alice: User) -> None:
    await post(client, alice, "quoted phrase here")
    for q in ('"quoted', "quoted OR", "quoted*", "NEAR(quoted)", "-quoted", "'); DROP TABLE"):
        response = await client.get("/api/v2/search", params={"q": q}, headers=alice.headers)
        assert response.status == 200, q


async def test_limit_and_offset(client: TestClient, alice: User) -> None:
    tweets = [await post(client, alice, f"zebra number {i}") for i in range(5)]
    everything = await search(client, {"q": "zebra", "type": "statuses"}, alice)
    all_ids = [s["id"] for s in everything["statuses"]]
    assert sorted(all_ids) == sorted(t["id"] for t in tweets)
    page = await search(client, {"q": "zebra", "type": "statuses", "limit": "2"}, alice)
    assert [s["id"] for s in page["statuses"]] == all_ids[:2]
    page = await search(
        client, {"q": "zebra", "type": "statuses", "limit": "2", "offset": "2"}, alice
    )
    assert [s["id"] for s in page["statuses"]] == all_ids[2:4]
    big = await search(client, {"q": "zebra", "type": "statuses", "limit": "1000"}, alice)
    assert len(big["statuses"]) == 5

    for i in range(3):
        await sign_up(client, username=f"zed{i}")
    accounts = await search(client, {"q": "zed", "type": "accounts", "limit": "2"}, alice)
    assert len(accounts["accounts"]) == 2
    rest = await search(
        client, {"q": "zed", "type": "accounts", "limit": "2", "offset": "2"}, alice
    )
    assert len(rest["accounts"]) == 1
    # Anonymous clients cannot page.
    anonymous = await search(client, {"q": "zed", "type": "accounts", "limit": "2", "offset": "2"})
    assert len(anonymous["accounts"]) == 2


async def test_bad_parameters_are_422(client: TestClient, alice: User) -> None:
    for query in ({"q": "x", "type": "people"}, {"q": "x", "offset": "-1"}, {}):
        response = await client.get("/api/v2/search", params=query, headers=alice.headers)
        assert response.status == 422, query


async def test_v1_search_shape(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, alice, "#kiwi fruit salad")
    found = await search(client, {"q": "kiwi"}, bob, version="v1")
    assert [t.lower() for t in found["hashtags"]] == ["kiwi"]
    assert [s["id"] for s in found["statuses"]] == [tweet["id"]]
    assert found["accounts"] == []


async def test_pasted_status_url_resolves(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, alice, "link to me")
    found = await search(client, {"q": tweet["url"]}, bob)
    assert [s["id"] for s in found["statuses"]] == [tweet["id"]]
    profile = tweet["url"].rsplit("/", 1)[0]
    assert [a["id"] for a in (await search(client, {"q": profile}, bob))["accounts"]] == [alice.id]


async def test_account_search_endpoint(client: TestClient, alice: User, bob: User) -> None:
    response = await client.get(
        "/api/v1/accounts/search", params={"q": "bo"}, headers=alice.headers
    )
    assert response.status == 200
    assert [a["id"] for a in await response.json()] == [bob.id]


async def test_tags_show(client: TestClient, alice: User) -> None:
    await post(client, alice, "#Gardening today")
    await post(client, alice, "#gardening tomorrow")
    response = await client.get("/api/v1/tags/gardening")
    assert response.status == 200
    body = await response.json()
    assert body["name"] == "Gardening"  # first-seen spelling
    assert body["id"] == "gardening"
    assert body["history"][0]["uses"] == "2"
    assert body["history"][0]["accounts"] == "1"
    assert len(body["history"]) == 7
    assert body["following"] is False
    assert (await client.get("/api/v1/tags/%23Gardening")).status == 200
    assert (await client.get("/api/v1/tags/nope")).status == 200  # unused, shown all the same
    assert (await client.get("/api/v1/tags/bad-tag!")).status == 404
