"""`GET /api/v1/statuses?id[]=`: several tweets at once, as the viewer may see them."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.helpers import User, act, follow, post, user_token


async def _ids(client: TestClient, query: str, headers: dict[str, str] | None = None) -> list[str]:
    response = await client.get(f"/api/v1/statuses?{query}", headers=headers)
    assert response.status == 200, await response.text()
    return [s["id"] for s in await response.json()]


async def test_visible_statuses_in_the_order_asked(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    one = await post(client, alice, "one")
    two = await post(client, alice, "two", visibility="unlisted")
    private = await post(client, alice, "followers", visibility="private")
    direct = await post(client, alice, "@bob psst", visibility="direct")
    retweet = await act(client, bob, one["id"], "reblog")
    asked = [two, private, one, direct, retweet]
    query = "&".join(f"id[]={s['id']}" for s in asked) + "&id[]=123&id[]=" + one["id"]
    everyone = [two["id"], one["id"], retweet["id"]]
    assert await _ids(client, query) == everyone  # unknown ids skipped, duplicates once
    assert await _ids(client, query, carol.headers) == everyone
    assert await _ids(client, query, bob.headers) == [
        two["id"],
        one["id"],
        direct["id"],
        retweet["id"],
    ]
    await follow(client, carol, alice)
    assert await _ids(client, query, carol.headers) == [
        two["id"],
        private["id"],
        one["id"],
        retweet["id"],
    ]
    assert await _ids(client, query, alice.headers) == [s["id"] for s in asked]
    # Viewer state comes with them.
    response = await client.get(f"/api/v1/statuses?id[]={one['id']}", headers=bob.headers)
    assert (await response.json())[0]["reblogged"] is True


async def test_ids_in_either_form_and_none(client: TestClient, alice: User) -> None:
    one = await post(client, alice, "one")
    assert await _ids(client, f"id={one['id']}") == [one["id"]]
    assert await _ids(client, f"id[]={one['id']}&id[]={one['id']}") == [one["id"]]
    assert await _ids(client, "") == []


async def test_bad_ids_and_too_many_are_refused(client: TestClient, alice: User) -> None:
    for query in (
        "id[]=abc",
        f"id[]={2**63}",
        f"id[]={2**64}",
        "id[]=-5",
        "id[]=0",
        "&".join(f"id[]={n}" for n in range(1, 22)),
    ):
        response = await client.get(f"/api/v1/statuses?{query}")
        assert response.status == 422, query
        assert "error" in await response.json()
    assert await _ids(client, "&".join(f"id[]={n}" for n in range(1, 21))) == []


async def test_a_bad_token_is_refused_and_any_valid_one_reads(
    client: TestClient, alice: User
) -> None:
    one = await post(client, alice, "one")
    response = await client.get(
        f"/api/v1/statuses?id[]={one['id']}", headers={"Authorization": "Bearer nope"}
    )
    assert response.status == 401
    reader = await user_token(client, alice, "read:statuses")
    assert await _ids(client, f"id[]={one['id']}", reader) == [one["id"]]
