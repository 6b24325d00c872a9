"""Rate limits over the API: headers on every limited response, 429 with `Retry-After` past a
budget, per token vs per IP, sign-ups, media, logins with their back-off, trusted proxies."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core.secrets import digest
from chirp.server.rate_limits import RATE_LIMITS
from tests.helpers import PASSWORD, User, register_app, sign_up

ALICE_KEY = f"login_account:{digest('alice')[:32]}"
LIMITS = {
    "rate_limits": True,
    "rate_limit_api": 8,
    "rate_limit_api_ip": 6,
    "rate_limit_sign_ups": 3,
    "rate_limit_media": 2,
    "rate_limit_logins_ip": 20,
    "rate_limit_logins_account": 12,
    "login_failures_free": 3,
    "login_backoff_base_seconds": 30.0,
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(LIMITS)


def assert_limit_headers(response: Any, limit: int, remaining: int, period: int = 300) -> None:
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == str(remaining)
    reset = datetime.fromisoformat(response.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
    assert response.headers["X-RateLimit-Reset"].endswith("Z")
    assert time.time() < reset.timestamp() <= time.time() + period


async def assert_too_many(response: Any, period: int = 300) -> None:
    assert response.status == 429
    assert await response.json() == {"error": "Too many requests"}
    assert 1 <= int(response.headers["Retry-After"]) <= period


async def test_unauthenticated_requests_count_per_ip(client: TestClient) -> None:
    for n in range(6):
        response = await client.get("/api/v1/instance")
        assert response.status == 200
        assert_limit_headers(response, 6, 5 - n)
    response = await client.get("/api/v1/timelines/public")
    await assert_too_many(response)
    assert_limit_headers(response, 6, 0)
    # Pages and the health check are not API requests: not limited.
    assert (await client.get("/healthz")).status == 200


async def test_a_token_has_its_own_budget(client: TestClient, app: web.Application) -> None:
    alice = await sign_up(client, username="alice")
    app[RATE_LIMITS].limiter = type(app[RATE_LIMITS].limiter)()  # sign-up spent the IP's
    for n in range(8):
        response = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        assert response.status == 200
        assert_limit_headers(response, 8, 7 - n)
    await assert_too_many(await client.get("/api/v1/timelines/home", headers=alice.headers))
    # The same IP without a token, and another token, still have theirs.
    assert (await client.get("/api/v1/instance")).status == 200
    bob = await sign_up(client, username="bob")
    assert (await client.get("/api/v1/timelines/home", headers=bob.headers)).status == 200


async def test_made_up_tokens_count_against_the_ip(client: TestClient) -> None:
    for n in range(6):
        response = await client.get(
            "/api/v1/timelines/home", headers={"Authorization": f"Bearer made-up-{n}"}
        )
        assert response.status == 401
        assert_limit_headers(response, 6, 5 - n)
    response = await client.get(
        "/api/v1/timelines/home", headers={"Authorization": "Bearer made-up-again"}
    )
    await assert_too_many(response)


@pytest.mark.parametrize("settings_overrides", [{**LIMITS, "rate_limit_api_ip": 100}])
async def test_sign_ups_are_limited_per_ip(client: TestClient) -> None:
    for n in range(3):
        await sign_up(client, username=f"user{n}")
    app = await register_app(client)
    token_response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
    )
    token = (await token_response.json())["access_token"]
    response = await client.post(
        "/api/v1/accounts",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "username": "one_too_many",
            "email": "x@example.com",
            "password": PASSWORD,
            "agreement": True,
        },
    )
    await assert_too_many(response, period=1800)
    assert_limit_headers(response, 3, 0, period=1800)


async def test_media_uploads_have_their_own_budget(
    client: TestClient, app: web.Application, alice: User
) -> None:
    app[RATE_LIMITS].limiter = type(app[RATE_LIMITS].limiter)()
    for n in range(2):
        response = await client.post("/api/v2/media", headers=alice.headers, data={})
        assert response.status == 422  # no file: still an upload attempt
        assert_limit_headers(response, 2, 1 - n, period=1800)
    response = await client.post("/api/v2/media", headers=alice.headers, data={})
    await assert_too_many(response, period=1800)
    # Other API calls on the same token go on.
    response = await client.get("/api/v1/timelines/home", headers=alice.headers)
    assert response.status == 200
    assert_limit_headers(response, 8, 4)


async def password_grant(client: TestClient, app: Any, username: str, password: str) -> Any:
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": username,
            "password": password,
        },
    )


@pytest.mark.parametrize("settings_overrides", [{**LIMITS, "rate_limit_api_ip": 100}])
async def test_failed_logins_back_off(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    for _ in range(3):  # the free failures
        response = await password_grant(client, app, "alice", "wrong")
        assert response.status == 400
        assert "X-RateLimit-Remaining" in response.headers
    # The fourth failure blocks the account's next attempt, even with the right password.
    assert (await password_grant(client, app, "alice", "wrong")).status == 400
    blocked = await password_grant(client, app, "alice", PASSWORD)
    await assert_too_many(blocked)
    assert 25 <= int(blocked.headers["Retry-After"]) <= 30


@pytest.mark.parametrize(
    "settings_overrides",
    [{**LIMITS, "rate_limit_api_ip": 100, "login_backoff_base_seconds": 0.2}],
)
async def test_back_off_doubles_and_a_success_forgives(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    limiter = client.app[RATE_LIMITS].limiter
    for _ in range(5):
        await password_grant(client, app, "alice", "wrong")
        await _wait_unblocked(limiter, ALICE_KEY)
    # Five failures with three free: the last block was 0.2 * 2 = 0.4 s.
    assert (await limiter.fail(ALICE_KEY, free=3, base=0.2, cap=900, forget=60)) == 0.8
    await _wait_unblocked(limiter, ALICE_KEY)
    assert (await password_grant(client, app, "alice", PASSWORD)).status == 200
    await _wait_unblocked(limiter, "login_ip:127.0.0.1")
    # Forgiven: the account's failures start again from zero.
    assert await limiter.fail(ALICE_KEY, free=3, base=0.2, cap=900, forget=60) == 0


async def _wait_unblocked(limiter: Any, key: str) -> None:
    import asyncio

    await asyncio.sleep(await limiter.blocked_for(key))


@pytest.mark.parametrize(
    "settings_overrides", [{**LIMITS, "rate_limit_api_ip": 100, "rate_limit_logins_ip": 4}]
)
async def test_logins_are_limited_per_ip_across_names(client: TestClient) -> None:
    app = await register_app(client)
    for n in range(4):
        response = await password_grant(client, app, f"nobody{n}", "wrong")
        assert response.status == 400
    await assert_too_many(await password_grant(client, app, "someone-else", "wrong"))


@pytest.mark.parametrize(
    "settings_overrides", [{**LIMITS, "rate_limit_api_ip": 100, "login_failures_free": 1}]
)
async def test_the_consent_form_backs_off_too(client: TestClient, alice: User) -> None:
    app = await register_app(client)
    form = {
        "client_id": app.client_id,
        "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
        "response_type": "code",
        "scope": "read",
        "login": "alice@example.com",
        "password": "wrong",
    }
    for _ in range(2):
        response = await client.post("/oauth/authorize", data=form)
        assert response.status == 401
        assert response.headers["X-RateLimit-Limit"] == "12"
    await assert_too_many(await client.post("/oauth/authorize", data=form))


@pytest.mark.parametrize("settings_overrides", [{**LIMITS, "trusted_proxies": "127.0.0.0/8"}])
async def test_forwarded_for_names_the_client_behind_a_trusted_proxy(client: TestClient) -> None:
    def via(ip: str) -> dict[str, str]:
        return {"X-Forwarded-For": f"{ip}, 127.0.0.2"}

    for _ in range(6):
        assert (await client.get("/api/v1/instance", headers=via("203.0.113.7"))).status == 200
    await assert_too_many(await client.get("/api/v1/instance", headers=via("203.0.113.7")))
    response = await client.get("/api/v1/instance", headers=via("203.0.113.8"))
    assert response.status == 200
    assert response.headers["X-RateLimit-Remaining"] == "5"
    # A client cannot buy a budget by adding its own hop before the one the proxy appended.
    spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    await assert_too_many(await client.get("/api/v1/instance", headers=spoofed))


async def test_forwarded_for_is_ignored_without_trusted_proxies(client: TestClient) -> None:
    for n in range(6):
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert (await client.get("/api/v1/instance", headers=headers)).status == 200
    await assert_too_many(
        await client.get("/api/v1/instance", headers={"X-Forwarded-For": "203.0.113.99"})
    )


@pytest.mark.parametrize("settings_overrides", [{"rate_limits": False}])
async def test_limits_can_be_turned_off(client: TestClient) -> None:
    for _ in range(10):
        response = await client.get("/api/v1/instance")
        assert response.status == 200
        assert "X-RateLimit-Limit" not in response.headers


async def test_browsers_may_read_the_headers(client: TestClient) -> None:
    response = await client.get("/api/v1/instance", headers={"Origin": "https://app.example"})
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "X-RateLimit-Remaining" in exposed
    assert "X-RateLimit-Remaining" in response.headers
