"""`/api/v1/accounts`: sign-up and its rules, own credentials, profile updates, show and lookup,
and the scopes each needs."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.server.keys import SETTINGS
from tests.helpers import PASSWORD, User, app_token, register_app, sign_up, user_token


async def signup_token(client: TestClient, scope: str = "read write follow") -> dict[str, str]:
    app = await register_app(client)
    token = await app_token(client, app, scope)
    return {"Authorization": f"Bearer {token}"}


def form(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "username": "dave",
        "email": "dave@example.com",
        "password": PASSWORD,
        "agreement": True,
        "locale": "en",
    }
    values.update(overrides)
    return values


async def post_signup(
    client: TestClient, headers: dict[str, str], **overrides: Any
) -> tuple[int, dict[str, Any]]:
    response = await client.post("/api/v1/accounts", headers=headers, json=form(**overrides))
    return response.status, dict(await response.json())


async def lookup_status(client: TestClient, acct: str) -> int:
    return (await client.get("/api/v1/accounts/lookup", params={"acct": acct})).status


# --- sign-up --------------------------------------------------------------------------------


async def test_sign_up_returns_a_working_user_token(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers)
    assert status == 200, body
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write follow"
    assert body["access_token"]
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert me.status == 200
    account = await me.json()
    assert account["username"] == "dave"
    assert account["acct"] == "dave"
    assert account["source"]["language"] == "en"


async def test_sign_up_with_form_body(client: TestClient) -> None:
    headers = await signup_token(client)
    response = await client.post(
        "/api/v1/accounts", headers=headers, data=form(agreement="true", username="formy")
    )
    assert response.status == 200, await response.text()
    assert await lookup_status(client, "formy") == 200


async def test_new_user_can_log_in_with_password(client: TestClient) -> None:
    headers = await signup_token(client)
    status, _ = await post_signup(client, headers)
    assert status == 200
    app = await register_app(client)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": "dave@example.com",
            "password": PASSWORD,
        },
    )
    assert response.status == 200, await response.text()


async def test_sign_up_without_token_is_401(client: TestClient) -> None:
    response = await client.post("/api/v1/accounts", json=form())
    assert response.status == 401
    assert "error" in await response.json()
    assert await lookup_status(client, "dave") == 404


async def test_sign_up_with_bogus_token_is_401(client: TestClient) -> None:
    status, body = await post_signup(client, {"Authorization": "Bearer bogus"})
    assert status == 401
    assert body["error"] == "The access token is invalid"
    assert await lookup_status(client, "dave") == 404


async def test_sign_up_with_read_only_app_token_is_403(client: TestClient) -> None:
    headers = await signup_token(client, scope="read")
    status, body = await post_signup(client, headers)
    assert status == 403
    assert body["error"] == "This action is outside the authorized scopes"
    assert await lookup_status(client, "dave") == 404


async def test_username_with_invalid_characters_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    for bad in ["da ve", "dave!", "dåve", ".dave", "dave-", "<b>"]:
        status, body = await post_signup(client, headers, username=bad)
        assert status == 422, (bad, body)
        assert body["details"]["username"][0]["error"] == "ERR_INVALID", bad
        assert body["error"].startswith("Validation failed: Username")


async def test_non_ascii_lookalike_usernames_are_422(client: TestClient, alice: User) -> None:
    headers = await signup_token(client)
    # Dotless i, Kelvin sign, long s, dotted capital I: each case-folds onto an ASCII letter.
    for bad in ["al\u0131ce", "\u212aelvin", "\u017fam", "\u0130zzy"]:
        status, body = await post_signup(client, headers, username=bad)
        assert status == 422, (bad, body)
        assert body["details"]["username"][0]["error"] == "ERR_INVALID", bad
    assert await lookup_status(client, "al\u0131ce") == 404


async def test_username_with_inner_dot_dash_underscore_is_fine(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, username="d_a.v-e")
    assert status == 200, body


async def test_too_long_username_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, username="a" * 31)
    assert status == 422
    assert body["details"]["username"][0]["error"] == "ERR_TOO_LONG"
    status, body = await post_signup(client, headers, username="a" * 30)
    assert status == 200, body


async def test_blank_username_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, username="")
    assert status == 422
    assert body["details"]["username"][0]["error"] == "ERR_BLANK"


async def test_reserved_username_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, username="Admin")
    assert status == 422
    assert body["details"]["username"][0]["error"] == "ERR_RESERVED"


async def test_duplicate_username_is_422_case_insensitively(
    client: TestClient, alice: User
) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, username="ALICE")
    assert status == 422
    assert body["details"] == {
        "username": [{"error": "ERR_TAKEN", "description": "is already taken"}]
    }
    assert body["error"] == "Validation failed: Username is already taken"


async def test_duplicate_email_is_422(client: TestClient, alice: User) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, email=alice.email.upper())
    assert status == 422
    assert body["details"]["email"][0]["error"] == "ERR_TAKEN"
    assert await lookup_status(client, "dave") == 404


async def test_invalid_email_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, email="not-an-email")
    assert status == 422
    assert body["details"]["email"][0]["error"] == "ERR_INVALID"


async def test_short_password_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, password="short")
    assert status == 422
    assert body["details"]["password"][0]["error"] == "ERR_TOO_SHORT"


async def test_common_password_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, password="password123")
    assert status == 422
    assert body["details"]["password"][0]["error"] == "ERR_INVALID"


async def test_password_equal_to_username_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, username="longname1", password="LongName1")
    assert status == 422
    assert body["details"]["password"][0]["error"] == "ERR_INVALID"


async def test_agreement_false_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers, agreement=False)
    assert status == 422
    assert body["details"]["agreement"][0]["error"] == "ERR_ACCEPTED"
    assert await lookup_status(client, "dave") == 404


async def test_missing_agreement_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    values = form()
    del values["agreement"]
    response = await client.post("/api/v1/accounts", headers=headers, json=values)
    assert response.status == 422
    assert "agreement" in (await response.json())["details"]


async def test_all_problems_are_reported_together(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(
        client, headers, username="bad name", email="nope", password="x", agreement=False
    )
    assert status == 422
    assert set(body["details"]) == {"username", "email", "password", "agreement"}


@pytest.mark.parametrize("settings_overrides", [{"registrations_open": False}])
async def test_closed_registrations_are_403(client: TestClient) -> None:
    headers = await signup_token(client)
    status, body = await post_signup(client, headers)
    assert status == 403
    assert "closed" in body["error"]
    assert await lookup_status(client, "dave") == 404


# --- verify and update credentials ----------------------------------------------------------


async def test_verify_credentials(client: TestClient, alice: User) -> None:
    response = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert response.status == 200
    body = await response.json()
    assert body["id"] == alice.id
    assert body["username"] == "alice"
    assert body["display_name"] == ""
    assert body["source"]["note"] == ""
    assert body["followers_count"] == 0


async def test_verify_credentials_without_token_is_401(client: TestClient) -> None:
    response = await client.get("/api/v1/accounts/verify_credentials")
    assert response.status == 401
    assert (await response.json())["error"] == "The access token is invalid"


async def test_update_credentials(client: TestClient, alice: User) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        json={"display_name": "Alice <A>", "note": "Hello\nworld & more"},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["display_name"] == "Alice <A>"
    assert body["note"] == "<p>Hello<br />world &amp; more</p>"
    assert body["source"]["note"] == "Hello\nworld & more"
    shown = await (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert shown["display_name"] == "Alice <A>"


async def test_update_credentials_with_form_body(client: TestClient, alice: User) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        data={"display_name": "Form Alice", "locked": "true"},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["display_name"] == "Form Alice"
    assert body["locked"] is True


async def test_update_leaves_unsent_fields_alone(client: TestClient, alice: User) -> None:
    await client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, json={"note": "kept"}
    )
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, json={"display_name": "A"}
    )
    body = await response.json()
    assert body["source"]["note"] == "kept"
    assert body["display_name"] == "A"


async def test_too_long_display_name_is_422(client: TestClient, alice: User) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        json={"display_name": "x" * 31, "note": "should not be saved"},
    )
    assert response.status == 422
    assert "Display name is too long" in (await response.json())["error"]
    me = await (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).json()
    assert me["display_name"] == ""
    assert me["source"]["note"] == ""


async def test_too_long_note_is_422(client: TestClient, alice: User) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, json={"note": "n" * 501}
    )
    assert response.status == 422
    assert "Note is too long" in (await response.json())["error"]


async def test_update_with_wrong_type_is_422(client: TestClient, alice: User) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        json={"display_name": ["a"], "locked": "maybe"},
    )
    assert response.status == 422
    error = (await response.json())["error"]
    assert "display_name" in error
    assert "locked" in error


async def test_update_credentials_needs_write_scope(client: TestClient, alice: User) -> None:
    headers = await user_token(client, alice, "read")
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=headers, json={"display_name": "No"}
    )
    assert response.status == 403
    assert (await response.json())["error"] == "This action is outside the authorized scopes"


async def test_update_credentials_without_token_is_401(client: TestClient) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials", json={"display_name": "No"}
    )
    assert response.status == 401


async def test_update_credentials_with_app_token_is_422(client: TestClient) -> None:
    headers = await signup_token(client)
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=headers, json={"display_name": "No"}
    )
    assert response.status == 422
    assert "authenticated user" in (await response.json())["error"]


async def test_read_accounts_scope_can_verify_but_not_update(
    client: TestClient, alice: User
) -> None:
    headers = await user_token(client, alice, "read:accounts")
    me = await client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert me.status == 200
    assert (await me.json())["id"] == alice.id
    update = await client.patch(
        "/api/v1/accounts/update_credentials", headers=headers, json={"display_name": "No"}
    )
    assert update.status == 403


async def test_write_accounts_scope_can_update_but_not_verify(
    client: TestClient, alice: User
) -> None:
    headers = await user_token(client, alice, "write:accounts")
    update = await client.patch(
        "/api/v1/accounts/update_credentials", headers=headers, json={"display_name": "Yes"}
    )
    assert update.status == 200, await update.text()
    assert (await update.json())["display_name"] == "Yes"
    me = await client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert me.status == 403


async def test_profile_scope_can_verify_credentials(client: TestClient) -> None:
    app = await register_app(client, scopes="profile write")
    user = await sign_up(client, app=app, username="prof", scope="profile write")
    me = await client.get("/api/v1/accounts/verify_credentials", headers=user.headers)
    assert me.status == 200


# --- show and lookup ------------------------------------------------------------------------


async def test_show_account(client: TestClient, alice: User) -> None:
    response = await client.get(f"/api/v1/accounts/{alice.id}")
    assert response.status == 200
    body = await response.json()
    assert body["id"] == alice.id
    assert body["username"] == "alice"
    # Private credentials never appear on a public profile.
    assert "source" not in body
    assert alice.email not in await response.text()


async def test_show_unknown_account_is_404(client: TestClient) -> None:
    response = await client.get("/api/v1/accounts/123456789")
    assert response.status == 404
    assert (await response.json())["error"] == "Record not found"


async def test_show_non_numeric_id_is_404(client: TestClient) -> None:
    for raw in ["abc", "12ab", "-1"]:
        response = await client.get(f"/api/v1/accounts/{raw}")
        assert response.status == 404, raw
        assert "error" in await response.json()


async def test_show_out_of_range_id_is_404(client: TestClient) -> None:
    response = await client.get("/api/v1/accounts/99999999999999999999999")
    assert response.status == 404
    assert (await response.json())["error"] == "Record not found"


async def test_show_with_invalid_token_is_401(client: TestClient, alice: User) -> None:
    response = await client.get(
        f"/api/v1/accounts/{alice.id}", headers={"Authorization": "Bearer junk"}
    )
    assert response.status == 401


async def test_lookup_by_username(client: TestClient, alice: User) -> None:
    for acct in ["alice", "@alice", "ALICE"]:
        response = await client.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert response.status == 200, acct
        assert (await response.json())["id"] == alice.id


async def test_lookup_with_our_domain(
    client: TestClient, app: web.Application, alice: User
) -> None:
    domain = app[SETTINGS].domain
    for acct in [f"alice@{domain}", f"@alice@{domain}"]:
        response = await client.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert response.status == 200, acct
        assert (await response.json())["id"] == alice.id


async def test_lookup_on_another_domain_is_404(client: TestClient, alice: User) -> None:
    assert await lookup_status(client, "alice@elsewhere.example") == 404


async def test_lookup_unknown_is_404(client: TestClient) -> None:
    response = await client.get("/api/v1/accounts/lookup", params={"acct": "nobody"})
    assert response.status == 404
    assert (await response.json())["error"] == "Record not found"


async def test_lookup_without_acct_is_422(client: TestClient) -> None:
    response = await client.get("/api/v1/accounts/lookup")
    assert response.status == 422
    assert "acct" in (await response.json())["error"]
