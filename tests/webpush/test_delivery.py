"""Web Push end to end inside the app: notifications become encrypted, VAPID-signed pushes that
the local push-service double (tests/webpush/push_service_double.py) decrypts with each
subscription's private key; alerts and policy filter them; retries; gone subscriptions."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from chirp.core.models import PushSubscription
from chirp.core.web_push import MAX_ATTEMPTS
from chirp.webpush.sender import PushUnreachable, WebPushSender, open_session
from chirp.webpush.vapid import generate_keys
from tests.helpers import PASSWORD, Drain, User, act, follow, post, register_app, sign_up
from tests.webpush.push_service_double import BrowserSubscription, PushServiceDouble

ALL = ["mention", "favourite", "reblog", "follow", "poll", "status", "update"]


async def subscribe(
    client: TestClient,
    user: User,
    browser: BrowserSubscription,
    *,
    alerts: list[str] = ALL,
    policy: str = "all",
    standard: bool = True,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/push/subscription",
        headers=user.headers,
        json=browser.subscription_form(alerts, policy=policy, standard=standard),
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def settle(drain: Drain, rounds: int = 5) -> None:
    for _ in range(rounds):
        await drain()
        await asyncio.sleep(0.1)


@pytest.fixture
async def pushed_alice(client: TestClient) -> User:
    app = await register_app(client, scopes="read write follow push")
    return await sign_up(client, app, username="alice", scope="read write follow push")


@pytest.mark.parametrize("standard", [True, False], ids=["aes128gcm", "aesgcm"])
async def test_a_mention_is_pushed_encrypted_and_signed(
    client: TestClient,
    pushed_alice: User,
    bob: User,
    push_service: PushServiceDouble,
    server_key: str,
    drain: Drain,
    standard: bool,
) -> None:
    phone = push_service.subscribe("phone")
    made = await subscribe(client, pushed_alice, phone, standard=standard)
    assert made["server_key"] == server_key
    await post(client, bob, "hello @alice, look")
    await drain()
    await push_service.wait_for(1)
    assert push_service.rejected() == []
    [push] = push_service.accepted()
    assert push.encoding == ("aes128gcm" if standard else "aesgcm")
    assert push.claims["sub"]
    assert push.headers["TTL"] and push.headers["Urgency"] == "normal"
    assert push.payload is not None
    notes = await (await client.get("/api/v1/notifications", headers=pushed_alice.headers)).json()
    assert push.payload == {
        "notification_id": notes[0]["id"],
        "notification_type": "mention",
        "preferred_locale": "en",
        "icon": notes[0]["account"]["avatar_static"],
        "title": "You were mentioned by bob",
        "body": "hello @alice, look",
    }


async def test_only_the_alerts_asked_for_are_pushed(
    client: TestClient,
    pushed_alice: User,
    bob: User,
    push_service: PushServiceDouble,
    server_key: str,
    drain: Drain,
) -> None:
    await subscribe(client, pushed_alice, push_service.subscribe("p"), alerts=["favourite"])
    tweet = await post(client, pushed_alice, "mine")
    await follow(client, bob, pushed_alice)  # no `follow` alert
    await post(client, bob, "@alice hi")  # no `mention` alert
    await act(client, bob, tweet["id"], "favourite")
    await settle(drain)
    await push_service.wait_for(1)
    await settle(drain)
    assert [p.payload["notification_type"] for p in push_service.accepted() if p.payload] == [
        "favourite"
    ]


@pytest.mark.parametrize(
    ("policy", "alice_follows_bob", "bob_follows_alice", "pushed"),
    [
        ("all", False, False, True),
        ("none", True, True, False),
        ("followed", False, True, False),
        ("followed", True, False, True),
        ("follower", True, False, False),
        ("follower", False, True, True),
    ],
)
async def test_the_policy_decides_whose_notifications_are_pushed(
    client: TestClient,
    pushed_alice: User,
    bob: User,
    push_service: PushServiceDouble,
    server_key: str,
    drain: Drain,
    policy: str,
    alice_follows_bob: bool,
    bob_follows_alice: bool,
    pushed: bool,
) -> None:
    await subscribe(
        client, pushed_alice, push_service.subscribe("p"), alerts=["mention"], policy=policy
    )
    if alice_follows_bob:
        await follow(client, pushed_alice, bob)
    if bob_follows_alice:
        await follow(client, bob, pushed_alice)
    await post(client, bob, "@alice ping")
    await settle(drain)
    if pushed:
        await push_service.wait_for(1)
    assert len(push_service.accepted()) == int(pushed)
    assert push_service.rejected() == []


async def test_every_subscription_of_the_account_gets_the_push(
    client: TestClient,
    pushed_alice: User,
    bob: User,
    push_service: PushServiceDouble,
    server_key: str,
    drain: Drain,
) -> None:
    await subscribe(client, pushed_alice, push_service.subscribe("phone"))
    laptop = await sign_up_again(client, pushed_alice)
    await subscribe(client, laptop, push_service.subscribe("laptop"), standard=False)
    await post(client, bob, "@alice both")
    await drain()
    await push_service.wait_for(1, name="phone")
    await push_service.wait_for(1, name="laptop")
    assert push_service.rejected() == []


async def sign_up_again(client: TestClient, user: User) -> User:
    """Another token (another device, another app) of the same account, with `push`."""
    app = await register_app(client, scopes="read write push")
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": user.username,
            "password": PASSWORD,
            "scope": "read write push",
        },
    )
    assert response.status == 200, await response.text()
    token = (await response.json())["access_token"]
    device = User(user.id, user.username, user.email, token)
    device.app = app  # type: ignore[attr-defined]
    return device


async def test_a_push_service_that_fails_is_retried_until_it_takes_the_push(
    client: TestClient,
    pushed_alice: User,
    bob: User,
    push_service: PushServiceDouble,
    server_key: str,
    drain: Drain,
) -> None:
    await subscribe(client, pushed_alice, push_service.subscribe("p"))
    push_service.answer("p", 500, 429, 503)
    await post(client, bob, "@alice again")
    for _ in range(40):
        await settle(drain, 1)
        if push_service.accepted():
            break
    await push_service.wait_for(1)
    assert [p.status for p in push_service.pushes] == [500, 429, 503, 201]
    assert len({p.payload["notification_id"] for p in push_service.pushes if p.payload}) == 1


async def test_retries_stop_after_the_last_attempt(
    client: TestClient,
    pushed_alice: User,
    bob: User,
    push_service: PushServiceDouble,
    server_key: str,
    drain: Drain,
    settings_overrides: dict[str, Any],
) -> None:
    await subscribe(client, pushed_alice, push_service.subscribe("p"))
    push_service.answer("p", *[502] * (MAX_ATTEMPTS + 3))
    await post(client, bob, "@alice down")
    # Backoff doubles from 0.05 s: 8 attempts are over within ~13 s.
    for _ in range(200):
        await settle(drain, 1)
        if len(push_service.pushes) >= MAX_ATTEMPTS:
            break
    await asyncio.sleep(0.5)
    await settle(drain, 3)
    assert [p.status for p in push_service.pushes] == [502] * MAX_ATTEMPTS


@pytest.mark.parametrize("gone", [404, 410])
async def test_a_subscription_the_push_service_forgot_is_removed(
    client: TestClient,
    pushed_alice: User,
    bob: User,
    push_service: PushServiceDouble,
    server_key: str,
    drain: Drain,
    gone: int,
) -> None:
    await subscribe(client, pushed_alice, push_service.subscribe("p"))
    push_service.answer("p", gone)
    await post(client, bob, "@alice are you there")
    for _ in range(20):
        await settle(drain, 1)
        if push_service.pushes:
            break
    shown = await client.get("/api/v1/push/subscription", headers=pushed_alice.headers)
    assert shown.status == 404
    await post(client, bob, "@alice still?")
    await settle(drain)
    assert [p.status for p in push_service.pushes] == [gone]


async def test_a_revoked_token_gets_no_pushes(
    client: TestClient,
    pushed_alice: User,
    bob: User,
    push_service: PushServiceDouble,
    server_key: str,
    drain: Drain,
) -> None:
    device = await sign_up_again(client, pushed_alice)
    await subscribe(client, device, push_service.subscribe("old"))
    await subscribe(client, pushed_alice, push_service.subscribe("kept"))
    app = device.app  # type: ignore[attr-defined]
    revoked = await client.post(
        "/oauth/revoke",
        data={
            "token": device.token,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
    )
    assert revoked.status == 200, await revoked.text()
    await post(client, bob, "@alice hello")
    await drain()
    await push_service.wait_for(1, name="kept")
    await settle(drain)
    assert push_service.accepted("old") == []


async def test_private_addresses_are_refused_unless_allowed() -> None:
    """Off `web_push_allow_local`, an endpoint on loopback is never requested."""
    double = PushServiceDouble()
    await double.start()
    browser = double.subscribe("p")
    subscription = PushSubscription(
        id=1,
        token_id=1,
        account_id=1,
        endpoint=browser.endpoint,
        p256dh=browser.p256dh,
        auth=browser.auth_b64,
        alerts=frozenset({"mention"}),
        policy="all",
        standard=True,
        created_at=datetime.now(UTC),
    )
    keys = generate_keys()
    try:
        for host in (browser.endpoint, browser.endpoint.replace("127.0.0.1", "localhost")):
            session = open_session(False, 5)
            sender = WebPushSender(keys, "mailto:ops@example.com", session)
            with pytest.raises(PushUnreachable):
                await sender.send(replace(subscription, endpoint=host), b"{}")
            await session.close()
        assert double.pushes == []
        # Allowed, the same push goes through and decrypts.
        double.server_key = keys.public_key
        session = open_session(True, 5)
        sender = WebPushSender(keys, "mailto:ops@example.com", session, allow_local=True)
        answered = await sender.send(subscription, b'{"hello": 1}')
        await session.close()
        assert answered.status == 201
        assert double.accepted()[0].payload == {"hello": 1}
    finally:
        await double.close()
