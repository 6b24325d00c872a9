"""`/api/v1/chirp/sessions`: a person's signed-in apps, and signing one out (Chirp extension)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.helpers import User, user_token


async def test_lists_own_sessions_with_the_current_one_marked(
    client: TestClient, alice: User, bob: User
) -> None:
    other = await user_token(client, alice, "read write")
    response = await client.get("/api/v1/chirp/sessions", headers=alice.headers)
    assert response.status == 200, await response.text()
    found = await response.json()
    assert len(found) == 2
    newest, signed_up = found
    assert (newest["current"], signed_up["current"]) == (False, True)
    assert newest["app"] == {"name": "test app", "website": None}
    assert newest["scopes"] == ["read", "write"]
    assert newest["created_at"].endswith("Z")
    assert len(newest["id"]) == 32
    # Nothing secret: neither the token nor anything stored about it.
    text = await response.text()
    assert other["Authorization"].split()[1] not in text
    assert alice.token not in text
    assert "digest" not in text
    bobs = await (await client.get("/api/v1/chirp/sessions", headers=bob.headers)).json()
    assert {s["id"] for s in bobs}.isdisjoint({s["id"] for s in found})


async def test_signing_a_session_out_revokes_only_that_token(
    client: TestClient, alice: User, bob: User
) -> None:
    other = await user_token(client, alice, "read write")
    found = await (await client.get("/api/v1/chirp/sessions", headers=alice.headers)).json()
    target = next(s for s in found if not s["current"])
    # Another account cannot sign it out, nor learn whether it exists.
    response = await client.delete(f"/api/v1/chirp/sessions/{target['id']}", headers=bob.headers)
    assert response.status == 404
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=other)).status == 200
    response = await client.delete(f"/api/v1/chirp/sessions/{target['id']}", headers=alice.headers)
    assert response.status == 200, await response.text()
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=other)).status == 401
    remaining = await (await client.get("/api/v1/chirp/sessions", headers=alice.headers)).json()
    assert [s["current"] for s in remaining] == [True]
    again = await client.delete(f"/api/v1/chirp/sessions/{target['id']}", headers=alice.headers)
    assert again.status == 404


async def test_signing_the_current_session_out(client: TestClient, alice: User) -> None:
    found = await (await client.get("/api/v1/chirp/sessions", headers=alice.headers)).json()
    response = await client.delete(
        f"/api/v1/chirp/sessions/{found[0]['id']}", headers=alice.headers
    )
    assert response.status == 200
    assert (await client.get("/api/v1/chirp/sessions", headers=alice.headers)).status == 401


async def test_scopes_and_bad_ids(client: TestClient, alice: User) -> None:
    read_only = await user_token(client, alice, "read")
    assert (await client.get("/api/v1/chirp/sessions", headers=read_only)).status == 200
    found = await (await client.get("/api/v1/chirp/sessions", headers=read_only)).json()
    response = await client.delete(f"/api/v1/chirp/sessions/{found[0]['id']}", headers=read_only)
    assert response.status == 403
    write_only = await user_token(client, alice, "write")
    assert (await client.get("/api/v1/chirp/sessions", headers=write_only)).status == 403
    assert (await client.get("/api/v1/chirp/sessions")).status == 401
    for bad in ("123", "z" * 32, "0" * 32):
        response = await client.delete(f"/api/v1/chirp/sessions/{bad}", headers=alice.headers)
        assert response.status == 404
        assert "error" in await response.json()
