"""`/oauth/*`: the token grants, the authorize (login + consent) page with PKCE, refresh
rotation, revocation, and the authorization server metadata."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient

from tests.helpers import PASSWORD, AppCredentials, User, app_token, register_app

CALLBACK = "http://localhost:4000/callback"
OOB = "urn:ietf:wg:oauth:2.0:oob"
HTML = {"Accept": "text/html"}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


async def token_request(client: TestClient, **data: str) -> tuple[int, dict[str, Any]]:
    response = await client.post("/oauth/token", data=data)
    return response.status, dict(await response.json())


async def password_grant(
    client: TestClient, app: AppCredentials, login: str, password: str = PASSWORD, **extra: str
) -> tuple[int, dict[str, Any]]:
    return await token_request(
        client,
        grant_type="password",
        client_id=app.client_id,
        client_secret=app.client_secret,
        username=login,
        password=password,
        **extra,
    )


async def whoami(client: TestClient, token: str) -> int:
    response = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status


def authorize_params(app: AppCredentials, **extra: str) -> dict[str, str]:
    return {
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "read write",
        **extra,
    }


async def approve(
    client: TestClient, params: dict[str, str], login: str, password: str = PASSWORD
) -> str:
    """Post the consent form and return the redirect's Location."""
    response = await client.post(
        "/oauth/authorize",
        data={**params, "login": login, "password": password, "decision": "approve"},
        allow_redirects=False,
    )
    assert response.status == 302, await response.text()
    return response.headers["Location"]


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


# --- password grant -------------------------------------------------------------------------


async def test_password_grant_with_username(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    status, body = await password_grant(client, app, alice.username, scope="read write")
    assert status == 200, body
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write"
    assert body["access_token"] and body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]
    assert isinstance(body["created_at"], int)
    assert await whoami(client, body["access_token"]) == 200


async def test_password_grant_with_email_and_default_scope(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    status, body = await password_grant(client, app, alice.email)
    assert status == 200, body
    assert body["scope"] == "read"


async def test_token_response_is_not_cacheable(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": alice.username,
            "password": PASSWORD,
        },
    )
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"


async def test_password_grant_with_json_body(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/token",
        json={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": alice.username,
            "password": PASSWORD,
        },
    )
    assert response.status == 200, await response.text()


async def test_client_secret_basic_authentication(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    response = await client.post(
        "/oauth/token",
        headers={"Authorization": f"Basic {basic}"},
        data={"grant_type": "password", "username": alice.username, "password": PASSWORD},
    )
    assert response.status == 200, await response.text()


async def test_wrong_password_is_invalid_grant(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    status, body = await password_grant(client, app, alice.username, "not the password")
    assert status == 400
    assert body["error"] == "invalid_grant"
    assert body["error_description"]
    assert "access_token" not in body


async def test_unknown_user_is_invalid_grant(client: TestClient) -> None:
    app = await register_app(client)
    status, body = await password_grant(client, app, "nobody")
    assert status == 400
    assert body["error"] == "invalid_grant"


async def test_missing_password_is_invalid_request(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    status, body = await token_request(
        client,
        grant_type="password",
        client_id=app.client_id,
        client_secret=app.client_secret,
        username=alice.username,
    )
    assert status == 400
    assert body["error"] == "invalid_request"
    assert "password" in body["error_description"]


async def test_unknown_client_is_401_invalid_client(client: TestClient, alice: User) -> None:
    status, body = await token_request(
        client,
        grant_type="password",
        client_id="no-such-client",
        client_secret="whatever",
        username=alice.username,
        password=PASSWORD,
    )
    assert status == 401
    assert body["error"] == "invalid_client"
    assert body["error_description"]


async def test_wrong_client_secret_is_401_invalid_client(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    wrong = AppCredentials(app.client_id, "not-the-secret", app.redirect_uris)
    status, body = await password_grant(client, wrong, alice.username)
    assert status == 401
    assert body["error"] == "invalid_client"


async def test_missing_grant_type_is_invalid_request(client: TestClient) -> None:
    app = await register_app(client)
    status, body = await token_request(
        client, client_id=app.client_id, client_secret=app.client_secret
    )
    assert status == 400
    assert body["error"] == "invalid_request"


async def test_unknown_grant_type_is_unsupported(client: TestClient) -> None:
    app = await register_app(client)
    status, body = await token_request(
        client,
        grant_type="implicit",
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    assert status == 400
    assert body["error"] == "unsupported_grant_type"


# --- scopes ---------------------------------------------------------------------------------


async def test_requesting_scope_beyond_the_app_is_invalid_scope(
    client: TestClient, alice: User
) -> None:
    app = await register_app(client, scopes="read")
    status, body = await password_grant(client, app, alice.username, scope="read write")
    assert status == 400
    assert body["error"] == "invalid_scope"


async def test_requesting_unknown_scope_is_invalid_scope(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    status, body = await password_grant(client, app, alice.username, scope="read superpowers")
    assert status == 400
    assert body["error"] == "invalid_scope"


async def test_granular_scope_within_a_top_level_one(client: TestClient, alice: User) -> None:
    app = await register_app(client, scopes="read")
    status, body = await password_grant(client, app, alice.username, scope="read:accounts")
    assert status == 200, body
    assert body["scope"] == "read:accounts"
    assert await whoami(client, body["access_token"]) == 200


# --- client credentials ---------------------------------------------------------------------


async def test_client_credentials_grant(client: TestClient) -> None:
    app = await register_app(client, scopes="read write")
    status, body = await token_request(
        client,
        grant_type="client_credentials",
        client_id=app.client_id,
        client_secret=app.client_secret,
        scope="read",
    )
    assert status == 200, body
    assert body["scope"] == "read"
    # App tokens have no user, so nothing to refresh.
    assert "refresh_token" not in body
    verified = await client.get(
        "/api/v1/apps/verify_credentials",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert verified.status == 200
    # But they are not a user: account endpoints refuse them.
    assert await whoami(client, body["access_token"]) == 422


async def test_client_credentials_needs_the_secret(client: TestClient) -> None:
    app = await register_app(client)
    status, body = await token_request(
        client, grant_type="client_credentials", client_id=app.client_id
    )
    assert status == 401
    assert body["error"] == "invalid_client"


async def test_client_credentials_scope_beyond_the_app(client: TestClient) -> None:
    app = await register_app(client, scopes="read")
    status, body = await token_request(
        client,
        grant_type="client_credentials",
        client_id=app.client_id,
        client_secret=app.client_secret,
        scope="write",
    )
    assert status == 400
    assert body["error"] == "invalid_scope"


# --- authorization code + PKCE --------------------------------------------------------------


async def test_authorize_page_renders_login_and_consent(client: TestClient) -> None:
    app = await register_app(client)
    _, challenge = pkce_pair()
    response = await client.get(
        "/oauth/authorize",
        params=authorize_params(
            app, state="xyz", code_challenge=challenge, code_challenge_method="S256"
        ),
    )
    assert response.status == 200, await response.text()
    assert response.content_type == "text/html"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    page = await response.text()
    assert "<form method=post action=/oauth/authorize>" in page
    assert "name=login" in page
    assert "type=password" in page
    assert 'value="approve"' in page or "value=approve" in page
    assert "value=deny" in page
    assert f'value="{app.client_id}"' in page
    assert f'value="{challenge}"' in page
    assert 'value="xyz"' in page
    assert "<li>read</li><li>write</li>" in page


async def test_authorize_page_escapes_the_app_name(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        json={"client_name": "<script>alert(1)</script>", "redirect_uris": CALLBACK},
    )
    app = await response.json()
    page = await client.get(
        "/oauth/authorize",
        params={"client_id": app["client_id"], "response_type": "code"},
    )
    assert page.status == 200
    text = await page.text()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text


async def test_authorization_code_flow_with_pkce(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    verifier, challenge = pkce_pair()
    params = authorize_params(
        app, state="st4te", code_challenge=challenge, code_challenge_method="S256"
    )
    assert (await client.get("/oauth/authorize", params=params)).status == 200
    location = await approve(client, params, alice.username)
    assert location.startswith(CALLBACK + "?")
    query = query_of(location)
    assert query["state"] == "st4te"
    code = query["code"]

    status, body = await token_request(
        client,
        grant_type="authorization_code",
        client_id=app.client_id,
        client_secret=app.client_secret,
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=verifier,
    )
    assert status == 200, body
    assert body["scope"] == "read write"
    assert body["refresh_token"]
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert me.status == 200
    assert (await me.json())["id"] == alice.id


async def test_authorization_code_cannot_be_reused(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    verifier, challenge = pkce_pair()
    params = authorize_params(app, code_challenge=challenge, code_challenge_method="S256")
    code = query_of(await approve(client, params, alice.email))["code"]
    exchange = {
        "grant_type": "authorization_code",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    first, _ = await token_request(client, **exchange)
    assert first == 200
    second, body = await token_request(client, **exchange)
    assert second == 400
    assert body["error"] == "invalid_grant"


async def test_wrong_code_verifier_is_rejected(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    _, challenge = pkce_pair()
    params = authorize_params(app, code_challenge=challenge, code_challenge_method="S256")
    code = query_of(await approve(client, params, alice.username))["code"]
    status, body = await token_request(
        client,
        grant_type="authorization_code",
        client_id=app.client_id,
        client_secret=app.client_secret,
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=pkce_pair()[0],
    )
    assert status == 400
    assert body["error"] == "invalid_grant"
    assert "verifier" in body["error_description"]


async def test_missing_code_verifier_is_rejected(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    _, challenge = pkce_pair()
    params = authorize_params(app, code_challenge=challenge, code_challenge_method="S256")
    code = query_of(await approve(client, params, alice.username))["code"]
    status, body = await token_request(
        client,
        grant_type="authorization_code",
        client_id=app.client_id,
        client_secret=app.client_secret,
        code=code,
        redirect_uri=CALLBACK,
    )
    assert status == 400
    assert body["error"] == "invalid_grant"


async def test_code_for_another_redirect_uri_is_rejected(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    code = query_of(await approve(client, authorize_params(app), alice.username))["code"]
    status, body = await token_request(
        client,
        grant_type="authorization_code",
        client_id=app.client_id,
        client_secret=app.client_secret,
        code=code,
        redirect_uri=OOB,
    )
    assert status == 400
    assert body["error"] == "invalid_grant"


async def test_code_is_bound_to_its_client(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    other = await register_app(client)
    code = query_of(await approve(client, authorize_params(app), alice.username))["code"]
    status, body = await token_request(
        client,
        grant_type="authorization_code",
        client_id=other.client_id,
        client_secret=other.client_secret,
        code=code,
        redirect_uri=CALLBACK,
    )
    assert status == 400
    assert body["error"] == "invalid_grant"


async def test_made_up_code_is_rejected(client: TestClient) -> None:
    app = await register_app(client)
    status, body = await token_request(
        client,
        grant_type="authorization_code",
        client_id=app.client_id,
        client_secret=app.client_secret,
        code="made-up",
        redirect_uri=CALLBACK,
    )
    assert status == 400
    assert body["error"] == "invalid_grant"


async def test_out_of_band_shows_the_code(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    params = authorize_params(app, redirect_uri=OOB)
    response = await client.post(
        "/oauth/authorize",
        data={**params, "login": alice.username, "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status == 200, await response.text()
    assert response.content_type == "text/html"
    match = re.search(r"<code id=code>([^<]+)</code>", await response.text())
    assert match is not None
    status, body = await token_request(
        client,
        grant_type="authorization_code",
        client_id=app.client_id,
        client_secret=app.client_secret,
        code=match.group(1),
        redirect_uri=OOB,
    )
    assert status == 200, body
    assert await whoami(client, body["access_token"]) == 200


async def test_deny_redirects_with_access_denied(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    params = authorize_params(app, state="abc")
    response = await client.post(
        "/oauth/authorize", data={**params, "decision": "deny"}, allow_redirects=False
    )
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    query = query_of(location)
    assert query == {"error": "access_denied", "state": "abc"}


async def test_deny_out_of_band_shows_a_page(client: TestClient) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/authorize",
        data={**authorize_params(app, redirect_uri=OOB), "decision": "deny"},
        allow_redirects=False,
    )
    assert response.status == 403
    assert "denied" in await response.text()


async def test_wrong_password_on_consent_page_shows_the_form_again(
    client: TestClient, alice: User
) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/authorize",
        headers=HTML,
        data={**authorize_params(app), "login": alice.username, "password": "wrong"},
        allow_redirects=False,
    )
    assert response.status == 401
    page = await response.text()
    assert "Invalid email or password." in page
    assert "<form method=post" in page
    assert f'value="{alice.username}"' in page


async def test_wrong_password_on_consent_api_is_json_401(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/authorize",
        data={**authorize_params(app), "login": alice.username, "password": "wrong"},
        allow_redirects=False,
    )
    assert response.status == 401
    assert (await response.json())["error"] == "Invalid email or password."


async def test_authorize_with_unknown_client_never_redirects(client: TestClient) -> None:
    response = await client.get(
        "/oauth/authorize",
        headers=HTML,
        params={"client_id": "nope", "redirect_uri": CALLBACK, "response_type": "code"},
        allow_redirects=False,
    )
    assert response.status == 401
    assert response.content_type == "text/html"
    assert "Authorization failed" in await response.text()


async def test_authorize_with_unregistered_redirect_uri(client: TestClient) -> None:
    app = await register_app(client)
    response = await client.get(
        "/oauth/authorize",
        params=authorize_params(app, redirect_uri="https://evil.example/steal"),
        allow_redirects=False,
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_redirect_uri"


async def test_authorize_with_wrong_response_type(client: TestClient) -> None:
    app = await register_app(client)
    response = await client.get(
        "/oauth/authorize", params=authorize_params(app, response_type="token")
    )
    assert response.status == 400
    assert (await response.json())["error"] == "unsupported_response_type"


async def test_authorize_with_scope_beyond_the_app(client: TestClient) -> None:
    app = await register_app(client, scopes="read")
    response = await client.get("/oauth/authorize", params=authorize_params(app, scope="write"))
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_scope"


async def test_authorize_with_unsupported_challenge_method(client: TestClient) -> None:
    app = await register_app(client)
    _, challenge = pkce_pair()
    response = await client.get(
        "/oauth/authorize",
        params=authorize_params(app, code_challenge=challenge, code_challenge_method="MD5"),
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


# --- refresh tokens -------------------------------------------------------------------------


async def test_refresh_token_rotation(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    _, first = await password_grant(client, app, alice.username, scope="read write")
    refresh = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
    }
    status, second = await token_request(client, **refresh, refresh_token=first["refresh_token"])
    assert status == 200, second
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == "read write"
    assert await whoami(client, second["access_token"]) == 200
    # The old pair stops working at once.
    assert await whoami(client, first["access_token"]) == 401
    status, body = await token_request(client, **refresh, refresh_token=first["refresh_token"])
    assert status == 400
    assert body["error"] == "invalid_grant"
    # The new refresh token still works.
    status, _ = await token_request(client, **refresh, refresh_token=second["refresh_token"])
    assert status == 200


async def test_refresh_can_narrow_but_not_widen_scope(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    _, first = await password_grant(client, app, alice.username, scope="read")
    refresh = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": first["refresh_token"],
    }
    status, body = await token_request(client, **refresh, scope="read write")
    assert status == 400
    assert body["error"] == "invalid_scope"
    # A refused refresh leaves the original pair intact.
    assert await whoami(client, first["access_token"]) == 200
    status, body = await token_request(client, **refresh, scope="read:accounts")
    assert status == 200, body
    assert body["scope"] == "read:accounts"


async def test_refresh_token_of_another_client_is_rejected(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    other = await register_app(client)
    _, first = await password_grant(client, app, alice.username)
    status, body = await token_request(
        client,
        grant_type="refresh_token",
        client_id=other.client_id,
        client_secret=other.client_secret,
        refresh_token=first["refresh_token"],
    )
    assert status == 400
    assert body["error"] == "invalid_grant"
    assert await whoami(client, first["access_token"]) == 200


# --- revocation -----------------------------------------------------------------------------


async def test_revoke_makes_the_token_fail_immediately(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    _, issued = await password_grant(client, app, alice.username)
    assert await whoami(client, issued["access_token"]) == 200
    response = await client.post(
        "/oauth/revoke",
        data={
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "token": issued["access_token"],
        },
    )
    assert response.status == 200, await response.text()
    assert await response.json() == {}
    assert await whoami(client, issued["access_token"]) == 401
    # Its refresh token died with it.
    status, body = await token_request(
        client,
        grant_type="refresh_token",
        client_id=app.client_id,
        client_secret=app.client_secret,
        refresh_token=issued["refresh_token"],
    )
    assert status == 400
    assert body["error"] == "invalid_grant"


async def test_revoke_by_refresh_token(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    _, issued = await password_grant(client, app, alice.username)
    response = await client.post(
        "/oauth/revoke",
        data={
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "token": issued["refresh_token"],
        },
    )
    assert response.status == 200
    assert await whoami(client, issued["access_token"]) == 401


async def test_revoke_unknown_token_is_ok(client: TestClient) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/revoke",
        data={"client_id": app.client_id, "client_secret": app.client_secret, "token": "nope"},
    )
    assert response.status == 200
    assert await response.json() == {}


async def test_revoke_another_clients_token_is_403(client: TestClient, alice: User) -> None:
    other = await register_app(client)
    response = await client.post(
        "/oauth/revoke",
        data={
            "client_id": other.client_id,
            "client_secret": other.client_secret,
            "token": alice.token,
        },
    )
    assert response.status == 403
    assert (await response.json())["error"] == "unauthorized_client"
    assert await whoami(client, alice.token) == 200


async def test_revoke_needs_client_authentication(client: TestClient, alice: User) -> None:
    response = await client.post("/oauth/revoke", data={"token": alice.token})
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_client"
    assert await whoami(client, alice.token) == 200


async def test_revoke_without_token_is_422(client: TestClient) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/revoke", data={"client_id": app.client_id, "client_secret": app.client_secret}
    )
    assert response.status == 422
    assert "token" in (await response.json())["error"]


async def test_revoked_app_token_fails(client: TestClient) -> None:
    app = await register_app(client)
    token = await app_token(client, app, scope="read")
    response = await client.post(
        "/oauth/revoke",
        data={"client_id": app.client_id, "client_secret": app.client_secret, "token": token},
    )
    assert response.status == 200
    verified = await client.get(
        "/api/v1/apps/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert verified.status == 401


# --- metadata -------------------------------------------------------------------------------


async def test_authorization_server_metadata(client: TestClient) -> None:
    response = await client.get("/.well-known/oauth-authorization-server")
    assert response.status == 200
    body = await response.json()
    base = body["issuer"].rstrip("/")
    assert body["authorization_endpoint"] == f"{base}/oauth/authorize"
    assert body["token_endpoint"] == f"{base}/oauth/token"
    assert body["revocation_endpoint"] == f"{base}/oauth/revoke"
    assert body["app_registration_endpoint"] == f"{base}/api/v1/apps"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["response_types_supported"] == ["code"]
    assert {"authorization_code", "password", "client_credentials", "refresh_token"} <= set(
        body["grant_types_supported"]
    )
    assert {"read", "write", "follow", "read:accounts", "write:statuses"} <= set(
        body["scopes_supported"]
    )


async def test_pkce_plain_is_refused(client: TestClient) -> None:
    app = await register_app(client)
    for method in ("plain", None):
        params = {
            "client_id": app.client_id,
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "response_type": "code",
            "scope": "read",
            "code_challenge": "a" * 43,
            **({"code_challenge_method": method} if method else {}),
        }
        response = await client.get("/oauth/authorize", params=params)
        assert response.status == 400, await response.text()
        assert "S256" in await response.text()


async def test_redirect_uris_with_spaces_are_refused(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps", json={"client_name": "x", "redirect_uris": "http://a b c/cb"}
    )
    assert response.status == 422
