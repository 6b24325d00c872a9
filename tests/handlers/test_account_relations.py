"""`remove_from_followers`, `GET /api/v1/accounts?id[]=`, familiar followers and private notes
on accounts, with the scopes and failures of each."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, follow, post, sign_up, user_token


async def test_remove_from_followers(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    tweet = await post(client, alice, "hello followers")
    await drain()
    home = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert [s["id"] for s in await home.json()] == [tweet["id"]]

    response = await client.post(
        f"/api/v1/accounts/{bob.id}/remove_from_followers", headers=alice.headers
    )
    assert response.status == 200, await response.text()
    relation = await response.json()
    assert relation["id"] == bob.id and relation["followed_by"] is False
    await drain()
    bobs = await (
        await client.get(f"/api/v1/accounts/relationships?id[]={alice.id}", headers=bob.headers)
    ).json()
    assert bobs[0]["following"] is False
    followers = await (await client.get(f"/api/v1/accounts/{alice.id}/followers")).json()
    assert followers == []
    home = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert await home.json() == []
    # Removing someone who does not follow: harmless.
    again = await client.post(
        f"/api/v1/accounts/{bob.id}/remove_from_followers", headers=alice.headers
    )
    assert again.status == 200


async def test_remove_from_followers_failures(client: TestClient, alice: User, bob: User) -> None:
    path = f"/api/v1/accounts/{bob.id}/remove_from_followers"
    assert (await client.post(path)).status == 401
    reader = await user_token(client, alice, "read:follows")
    assert (await client.post(path, headers=reader)).status == 403
    writer = await user_token(client, alice, "write:follows")
    assert (await client.post(path, headers=writer)).status == 200
    missing = await client.post(
        "/api/v1/accounts/999999/remove_from_followers", headers=alice.headers
    )
    assert missing.status == 404


async def test_accounts_batch(client: TestClient, alice: User, bob: User) -> None:
    response = await client.get(f"/api/v1/accounts?id[]={bob.id}&id[]=999999&id[]={alice.id}")
    assert response.status == 200
    assert [a["id"] for a in await response.json()] == [bob.id, alice.id]
    assert await (await client.get("/api/v1/accounts")).json() == []
    with_token = await client.get(f"/api/v1/accounts?id[]={alice.id}", headers=bob.headers)
    assert [a["username"] for a in await with_token.json()] == ["alice"]
    # A token is optional, but a token without read:accounts is refused, and a bad one is 401.
    writer = await user_token(client, alice, "write:accounts")
    assert (await client.get(f"/api/v1/accounts?id[]={alice.id}", headers=writer)).status == 403
    bogus = {"Authorization": "Bearer nope"}
    assert (await client.get(f"/api/v1/accounts?id[]={alice.id}", headers=bogus)).status == 401
    too_many = "&".join(f"id[]={n}" for n in range(1, 42))
    refused = await client.get(f"/api/v1/accounts?{too_many}")
    assert refused.status == 422 and (await refused.json())["error"]
    bad = await client.get("/api/v1/accounts?id[]=abc")
    assert bad.status == 422
    huge = await client.get(f"/api/v1/accounts?id[]={2**64}")
    assert huge.status == 422


async def test_familiar_followers(client: TestClient, alice: User, bob: User, carol: User) -> None:
    dave = await sign_up(client, username="dave")
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    await follow(client, bob, dave)
    await follow(client, carol, dave)
    await follow(client, dave, carol)  # not followed by alice: not familiar
    response = await client.get(
        f"/api/v1/accounts/familiar_followers?id[]={dave.id}&id[]={bob.id}&id[]=999999",
        headers=alice.headers,
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert [entry["id"] for entry in body] == [dave.id, bob.id]
    assert sorted(a["username"] for a in body[0]["accounts"]) == ["bob", "carol"]
    assert body[1]["accounts"] == []
    # Mastodon.py sends the ids as a JSON body on the GET; Mastodon reads them there too.
    in_body = await client.get(
        "/api/v1/accounts/familiar_followers", json={"id": [dave.id]}, headers=alice.headers
    )
    assert [entry["id"] for entry in await in_body.json()] == [dave.id]
    assert (await client.get(f"/api/v1/accounts/familiar_followers?id[]={dave.id}")).status == 401
    writer = await user_token(client, alice, "write:follows")
    denied = await client.get(f"/api/v1/accounts/familiar_followers?id[]={dave.id}", headers=writer)
    assert denied.status == 403
    for bad_id in ("x", str(2**64)):
        bad = await client.get(
            f"/api/v1/accounts/familiar_followers?id[]={bad_id}", headers=alice.headers
        )
        assert bad.status == 422


async def test_private_notes(client: TestClient, alice: User, bob: User) -> None:
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/note", headers=alice.headers, json={"comment": "Knows Rust"}
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["note"] == "Knows Rust"
    relation = await (
        await client.get(f"/api/v1/accounts/relationships?id[]={bob.id}", headers=alice.headers)
    ).json()
    assert relation[0]["note"] == "Knows Rust"
    # Private: bob sees no note about alice, nor alice's note about him.
    bobs = await (
        await client.get(f"/api/v1/accounts/relationships?id[]={alice.id}", headers=bob.headers)
    ).json()
    assert bobs[0]["note"] == ""
    # A form body works; an empty comment removes the note.
    form = await client.post(
        f"/api/v1/accounts/{bob.id}/note", headers=alice.headers, data={"comment": ""}
    )
    assert form.status == 200 and (await form.json())["note"] == ""
    # No comment at all: also removes.
    await client.post(
        f"/api/v1/accounts/{bob.id}/note", headers=alice.headers, json={"comment": "x"}
    )
    cleared = await client.post(f"/api/v1/accounts/{bob.id}/note", headers=alice.headers)
    assert (await cleared.json())["note"] == ""


async def test_note_failures(client: TestClient, alice: User, bob: User) -> None:
    path = f"/api/v1/accounts/{bob.id}/note"
    assert (await client.post(path, json={"comment": "x"})).status == 401
    reader = await user_token(client, alice, "read:accounts")
    assert (await client.post(path, headers=reader, json={"comment": "x"})).status == 403
    writer = await user_token(client, alice, "write:accounts")
    assert (await client.post(path, headers=writer, json={"comment": "x"})).status == 200
    long = await client.post(path, headers=alice.headers, json={"comment": "x" * 2001})
    assert long.status == 422
    wrong = await client.post(path, headers=alice.headers, json={"comment": ["a"]})
    assert wrong.status == 422
    missing = await client.post(
        "/api/v1/accounts/999999/note", headers=alice.headers, json={"comment": "x"}
    )
    assert missing.status == 404
