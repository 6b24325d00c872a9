"""Browser access as Mastodon serves it: CORS for any origin on the API, the token endpoints and
the discovery documents; preflights answered before routing; request ids; the consent page's
policy; websockets from any origin."""

from __future__ import annotations

import uuid

import pytest
from aiohttp.test_utils import TestClient
from multidict import CIMultiDictProxy

from chirp.server.cors import EXPOSED_HEADERS
from tests.handlers.test_oauth import authorize_params
from tests.helpers import User, register_app

ORIGIN = "https://phanpy.example"


async def preflight(
    client: TestClient, path: str, method: str = "GET", headers: str | None = None
) -> CIMultiDictProxy[str]:
    asked = {"Origin": ORIGIN, "Access-Control-Request-Method": method}
    if headers is not None:
        asked["Access-Control-Request-Headers"] = headers
    response = await client.options(path, headers=asked, allow_redirects=False)
    assert response.status == 200, await response.text()
    return response.headers


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/statuses", "POST"),  # exists only as POST
        ("/api/v1/accounts/update_credentials", "PATCH"),
        ("/api/v1/statuses/123", "DELETE"),
        ("/api/v1/statuses/123", "PUT"),
        ("/api/v2/instance", "GET"),
        ("/api/v2/instance/", "GET"),  # the router would redirect; a preflight cannot follow
        ("/api/v1/no/such/endpoint", "GET"),
        ("/api/v2/media", "POST"),
        ("/oauth/token", "POST"),
        ("/oauth/revoke", "POST"),
        ("/.well-known/nodeinfo", "GET"),
        ("/.well-known/webfinger", "GET"),
        ("/nodeinfo/2.0", "GET"),
    ],
)
async def test_preflight_is_answered_for_any_origin(
    client: TestClient, path: str, method: str
) -> None:
    headers = await preflight(client, path, method, "authorization, content-type, idempotency-key")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert method in headers["Access-Control-Allow-Methods"].split(", ")
    assert headers["Access-Control-Allow-Headers"] == "authorization, content-type, idempotency-key"
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in headers
    assert headers["X-Request-Id"]


async def test_api_preflight_allows_every_api_method(client: TestClient) -> None:
    headers = await preflight(client, "/api/v1/statuses")
    assert set(headers["Access-Control-Allow-Methods"].split(", ")) >= {
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
    }
    assert "Access-Control-Allow-Headers" not in headers  # none asked, none echoed


@pytest.mark.parametrize(
    ("path", "method"),
    [("/oauth/token", "DELETE"), ("/.well-known/nodeinfo", "POST"), ("/nodeinfo/2.0", "PUT")],
)
async def test_preflight_for_a_method_the_resource_does_not_allow_grants_nothing(
    client: TestClient, path: str, method: str
) -> None:
    headers = await preflight(client, path, method)
    assert "Access-Control-Allow-Origin" not in headers
    assert "Access-Control-Allow-Methods" not in headers


@pytest.mark.parametrize("path", ["/oauth/authorize", "/live/studio", "/healthz"])
async def test_pages_for_people_are_not_opened_to_other_origins(
    client: TestClient, path: str
) -> None:
    response = await client.options(
        path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    response = await client.get(path, headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_an_options_request_that_is_no_preflight_is_routed(client: TestClient) -> None:
    response = await client.options("/api/v1/statuses")
    assert response.status == 405
    assert (await response.json())["error"]


async def test_responses_carry_cors_and_exposed_headers(client: TestClient, alice: User) -> None:
    response = await client.get(
        "/api/v1/timelines/home", headers={"Origin": ORIGIN, **alice.headers}
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {
        "Link",
        "X-RateLimit-Reset",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-Request-Id",
    }
    assert {h.strip() for h in EXPOSED_HEADERS.split(",")} == exposed
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/timelines/home", 401),  # no token
        ("GET", "/api/v1/statuses/1", 404),
        ("POST", "/api/v1/statuses", 401),
        ("GET", "/api/v1/timelines/public/", 308),  # the trailing-slash redirect
        ("DELETE", "/api/v2/instance", 405),
        ("POST", "/oauth/token", 401),
        ("POST", "/oauth/revoke", 422),
    ],
)
async def test_errors_and_redirects_carry_cors_headers(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = await client.request(
        method, path, headers={"Origin": ORIGIN}, allow_redirects=False, data={}
    )
    assert response.status == status, await response.text()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]


async def test_event_streams_carry_cors_headers(client: TestClient) -> None:
    async with client.get("/api/v1/streaming/public", headers={"Origin": ORIGIN}) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_every_response_has_a_request_id(client: TestClient) -> None:
    ids = set()
    for path in ("/api/v1/instance", "/healthz", "/api/v1/nothing", "/oauth/authorize"):
        response = await client.get(path)
        ids.add(response.headers["X-Request-Id"])
    assert len(ids) == 4  # one per request
    for rid in ids:
        uuid.UUID(rid)


async def test_a_request_id_from_the_proxy_is_kept_when_plain(client: TestClient) -> None:
    response = await client.get("/api/v1/instance", headers={"X-Request-Id": "lb-42_a@b"})
    assert response.headers["X-Request-Id"] == "lb-42_a@b"
    response = await client.get("/api/v1/instance", headers={"X-Request-Id": "x<script>y"})
    assert response.headers["X-Request-Id"] == "xscripty"
    response = await client.get("/api/v1/instance", headers={"X-Request-Id": "<>"})
    uuid.UUID(response.headers["X-Request-Id"])


async def test_consent_page_lets_its_form_lead_to_the_redirect_uri(client: TestClient) -> None:
    app = await register_app(client)
    response = await client.get("/oauth/authorize", params=authorize_params(app))
    assert response.status == 200, await response.text()
    policy = {
        rule.split()[0]: rule.split()[1:]
        for rule in response.headers["Content-Security-Policy"].split(";")
        if rule.strip()
    }
    assert "form-action" not in policy  # browsers apply it to the redirect after the form
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_websockets_are_accepted_from_any_origin_by_default(
    client: TestClient, alice: User
) -> None:
    async with client.ws_connect(
        f"/api/v1/streaming?access_token={alice.token}&stream=user",
        headers={"Origin": ORIGIN},
    ) as ws:
        await ws.send_str('{"type": "subscribe", "stream": "public"}')
        assert not ws.closed
    async with client.ws_connect(
        "/api/v1/streaming", headers={"Origin": ORIGIN}, protocols=(alice.token,)
    ) as ws:
        assert ws.protocol == alice.token
