"""Every failure is JSON `{"error": ...}` with the right status, never a 500, never a partial
write: malformed bodies, wrong content types, oversized bodies, unknown routes and methods,
and parameters of the wrong type."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request

from chirp.server.middleware import json_errors
from tests.helpers import PASSWORD, User, app_token, register_app


@pytest.fixture
async def signup_headers(client: TestClient) -> dict[str, str]:
    app = await register_app(client)
    return {"Authorization": f"Bearer {await app_token(client, app)}"}


async def error_of(response: Any, status: int) -> str:
    """Assert the status and the JSON error shape; return the message."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert isinstance(body, dict)
    assert isinstance(body["error"], str)
    assert body["error"]
    return str(body["error"])


async def account_count(store: Any) -> int:
    return int(await store.db.fetchval("SELECT COUNT(*) FROM accounts"))


def valid_signup(username: str = "erin") -> dict[str, Any]:
    return {
        "username": username,
        "email": f"{username}@example.com",
        "password": PASSWORD,
        "agreement": True,
    }


# --- malformed bodies -----------------------------------------------------------------------


async def test_malformed_json_is_400(client: TestClient, signup_headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/accounts",
        data=b'{"username": "erin",',
        headers={**signup_headers, "Content-Type": "application/json"},
    )
    assert (await error_of(response, 400)).startswith("Malformed JSON body")


async def test_invalid_utf8_json_is_400(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps", data=b"\xff\xfe{}", headers={"Content-Type": "application/json"}
    )
    assert (await error_of(response, 400)).startswith("Malformed JSON body")


async def test_deeply_nested_json_is_400(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        data=b'{"a":' * 3000 + b"1" + b"}" * 3000,
        headers={"Content-Type": "application/json"},
    )
    await error_of(response, 400)


async def test_json_array_body_is_422(client: TestClient) -> None:
    response = await client.post("/api/v1/apps", json=["client_name", "x"])
    assert await error_of(response, 422) == "The JSON body must be an object"


async def test_malformed_json_on_token_endpoint_is_400(client: TestClient) -> None:
    response = await client.post(
        "/oauth/token", data=b"{grant_type: password}", headers={"Content-Type": "application/json"}
    )
    await error_of(response, 400)


async def test_broken_multipart_is_400(client: TestClient) -> None:
    for body in [
        b"garbage",
        b"--zz\r\nbroken",
        b"--zz\r\nContent-Type: text/plain\r\n\r\nx\r\n--zz--\r\n",
    ]:
        response = await client.post(
            "/api/v1/apps",
            data=body,
            headers={"Content-Type": "multipart/form-data; boundary=zz"},
        )
        assert (await error_of(response, 400)).startswith("Malformed form body"), body


async def test_multipart_without_boundary_is_400(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps", data=b"x", headers={"Content-Type": "multipart/form-data"}
    )
    await error_of(response, 400)


async def test_multipart_form_is_accepted(client: TestClient) -> None:
    body = (
        b"--zz\r\n"
        b'Content-Disposition: form-data; name="client_name"\r\n\r\nmulti\r\n'
        b"--zz\r\n"
        b'Content-Disposition: form-data; name="redirect_uris"\r\n\r\n'
        b"urn:ietf:wg:oauth:2.0:oob\r\n"
        b"--zz--\r\n"
    )
    response = await client.post(
        "/api/v1/apps", data=body, headers={"Content-Type": "multipart/form-data; boundary=zz"}
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["name"] == "multi"


# --- content types --------------------------------------------------------------------------


async def test_text_plain_body_is_415(client: TestClient, signup_headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/accounts",
        data=b"username=erin&password=x",
        headers={**signup_headers, "Content-Type": "text/plain"},
    )
    assert await error_of(response, 415) == "Send JSON or a form"


async def test_unknown_content_type_is_415(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps", data=b"<app/>", headers={"Content-Type": "application/xml"}
    )
    assert "application/xml" in await error_of(response, 415)


async def test_text_plain_on_token_endpoint_is_415(client: TestClient) -> None:
    response = await client.post(
        "/oauth/token",
        data=b"grant_type=client_credentials",
        headers={"Content-Type": "text/plain"},
    )
    await error_of(response, 415)


async def test_json_with_charset_is_accepted(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        data=b'{"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status == 200, await response.text()


# --- oversized bodies -----------------------------------------------------------------------


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 1024}])
async def test_oversized_json_body_is_413(
    client: TestClient, signup_headers: dict[str, str], store: Any
) -> None:
    before = await account_count(store)
    response = await client.post(
        "/api/v1/accounts",
        headers=signup_headers,
        json={**valid_signup(), "reason": "x" * 4000},
    )
    assert await error_of(response, 413) == "Request body too large (limit 1024 bytes)"
    assert await account_count(store) == before


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 1024}])
async def test_oversized_form_body_is_413(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "pad": "y" * 4000},
    )
    await error_of(response, 413)


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 1024}])
async def test_body_under_the_limit_is_fine(client: TestClient) -> None:
    response = await client.post(
        "/api/v1/apps", json={"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    )
    assert response.status == 200, await response.text()


# --- routing --------------------------------------------------------------------------------


async def test_unknown_api_route_is_404_json(client: TestClient) -> None:
    response = await client.get("/api/v1/no_such_thing")
    assert await error_of(response, 404) == "Record not found"


async def test_unknown_page_is_404_json(client: TestClient) -> None:
    response = await client.get("/definitely/not/here")
    assert await error_of(response, 404) == "Not found"


async def test_wrong_method_is_405_json(client: TestClient) -> None:
    response = await client.delete("/api/v1/instance")
    assert await error_of(response, 405) == "Method Not Allowed"
    assert "GET" in response.headers["Allow"]


async def test_get_on_post_only_endpoint_is_405(client: TestClient) -> None:
    response = await client.get("/oauth/token")
    await error_of(response, 405)
    assert "POST" in response.headers["Allow"]


# --- wrong types ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", [5, 1.5, ["erin"], {"name": "erin"}, None, True])
async def test_username_of_wrong_type_is_422(
    client: TestClient, signup_headers: dict[str, str], store: Any, username: Any
) -> None:
    before = await account_count(store)
    response = await client.post(
        "/api/v1/accounts", headers=signup_headers, json={**valid_signup(), "username": username}
    )
    assert "username" in await error_of(response, 422)
    assert await account_count(store) == before


async def test_huge_integer_is_not_a_500(
    client: TestClient, signup_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/accounts",
        headers={**signup_headers, "Content-Type": "application/json"},
        data=b'{"username": 123456789012345678901234567890}',
    )
    assert response.status in (400, 422)
    await error_of(response, response.status)


async def test_agreement_of_wrong_type_is_422(
    client: TestClient, signup_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/accounts",
        headers=signup_headers,
        json={**valid_signup(), "agreement": {"yes": True}},
    )
    assert "agreement" in await error_of(response, 422)


async def test_repeated_form_key_is_422(client: TestClient, signup_headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/accounts",
        headers=signup_headers,
        data=[("username", "a"), ("username", "b"), ("email", "a@example.com")],
    )
    assert "username" in await error_of(response, 422)


async def test_array_query_parameter_is_422(client: TestClient) -> None:
    response = await client.get("/api/v1/accounts/lookup?acct[]=a&acct[]=b")
    assert "acct" in await error_of(response, 422)


async def test_token_parameters_of_wrong_type_are_422(client: TestClient) -> None:
    response = await client.post("/oauth/token", json={"grant_type": ["password"]})
    assert "grant_type" in await error_of(response, 422)
    response = await client.post(
        "/oauth/token", json={"grant_type": "client_credentials", "client_id": 5}
    )
    assert "client_id" in await error_of(response, 422)


async def test_redirect_uris_of_wrong_type_are_422(client: TestClient) -> None:
    response = await client.post("/api/v1/apps", json={"client_name": "x", "redirect_uris": [1]})
    assert "redirect_uris" in await error_of(response, 422)


@pytest.mark.parametrize(
    "fields",
    [
        {"redirect_uris": "http://[::1"},
        {"redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "website": "http://[::1"},
    ],
)
async def test_unparseable_urls_are_422(client: TestClient, fields: dict[str, str]) -> None:
    response = await client.post("/api/v1/apps", json={"client_name": "x", **fields})
    assert (await error_of(response, 422)).startswith("Validation failed")


async def test_update_with_lone_surrogate_is_400(client: TestClient, alice: User) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers={**alice.headers, "Content-Type": "application/json"},
        data=b'{"display_name": "\\ud800"}',
    )
    await error_of(response, 400)


# --- no partial writes ----------------------------------------------------------------------


async def test_failed_sign_up_leaves_no_account(
    client: TestClient, signup_headers: dict[str, str], store: Any
) -> None:
    before = await account_count(store)
    response = await client.post(
        "/api/v1/accounts",
        headers=signup_headers,
        json={**valid_signup("frank"), "password": "short"},
    )
    await error_of(response, 422)
    assert await account_count(store) == before
    assert await store.get_account_by_username("frank") is None
    assert await store.get_credentials_by_email("frank@example.com") is None
    lookup = await client.get("/api/v1/accounts/lookup", params={"acct": "frank"})
    assert lookup.status == 404
    # The same username and email are still free afterwards.
    ok = await client.post("/api/v1/accounts", headers=signup_headers, json=valid_signup("frank"))
    assert ok.status == 200, await ok.text()


async def test_duplicate_email_leaves_no_second_account(
    client: TestClient, signup_headers: dict[str, str], store: Any, alice: User
) -> None:
    before = await account_count(store)
    response = await client.post(
        "/api/v1/accounts",
        headers=signup_headers,
        json={**valid_signup("grace"), "email": alice.email},
    )
    await error_of(response, 422)
    assert await account_count(store) == before
    assert await store.get_account_by_username("grace") is None


async def test_failed_sign_up_issues_no_token(
    client: TestClient, signup_headers: dict[str, str], store: Any
) -> None:
    before = await store.db.fetchval("SELECT COUNT(*) FROM tokens")
    response = await client.post(
        "/api/v1/accounts",
        headers=signup_headers,
        json={**valid_signup(), "agreement": False},
    )
    await error_of(response, 422)
    assert await store.db.fetchval("SELECT COUNT(*) FROM tokens") == before


class _Transport(asyncio.Transport):
    def __init__(self, closing: bool) -> None:
        super().__init__()
        self.closing = closing

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


@pytest.mark.parametrize("client_left", [True, False])
async def test_a_client_that_left_is_not_a_store_outage(
    client_left: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that leaves before the handler reads its body (wrk at the end of a run): the
    read raises the client's own connection reset, which is not "store unavailable" (a warning,
    a 503 nobody reads, an operator sent to a healthy database); aiohttp drops it quietly. A
    reset while the client is still there is the store's socket: 503 with Retry-After."""

    async def handler(request: web.Request) -> web.StreamResponse:
        raise ConnectionResetError("Connection lost")

    request = make_mocked_request(
        "POST", "/api/v1/statuses", app=web.Application(), transport=_Transport(client_left)
    )
    if client_left:
        with pytest.raises(ConnectionResetError):
            await json_errors(request, handler)
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    else:
        response = await json_errors(request, handler)
        assert response.status == 503 and response.headers["Retry-After"]
        assert [r.getMessage() for r in caplog.records] == ["store unavailable"]
