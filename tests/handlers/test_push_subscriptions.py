"""`/api/v1/push/subscription`: create (JSON and Mastodon's nested form), show, change,
delete; one per token; the `push` scope; every bad input a 422 that writes nothing."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from chirp.core import moderation
from chirp.core.web_push import ALERTS
from chirp.server.keys import CONTEXT
from tests.helpers import User, register_app, sign_up
from tests.webpush.push_service_double import PushServiceDouble

PATH = "/api/v1/push/subscription"
SCOPES = "read write follow push"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"web_push_allow_local": False}


@pytest.fixture
async def pusher(client: TestClient) -> User:
    return await sign_up(client, await register_app(client, scopes=SCOPES), scope=SCOPES)


def browser_keys() -> dict[str, str]:
    made = PushServiceDouble().subscribe("x")
    return {"p256dh": made.p256dh, "auth": made.auth_b64}


def body(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "subscription": {"endpoint": "https://push.example/send/abc", "keys": browser_keys()},
        "data": {"alerts": {"mention": True, "follow": True, "favourite": False}},
    }
    out.update(changes)
    return out


async def test_create_show_change_and_delete(client: TestClient, pusher: User) -> None:
    assert (await client.get(PATH, headers=pusher.headers)).status == 404
    created = await client.post(PATH, headers=pusher.headers, json=body())
    assert created.status == 200, await created.text()
    made = await created.json()
    key = client.app[CONTEXT].web_push.public_key  # type: ignore[union-attr]
    assert made == {
        "id": made["id"],
        "endpoint": "https://push.example/send/abc",
        "standard": False,
        "alerts": {a: a in ("mention", "follow") for a in ALERTS},
        "server_key": key,
        "policy": "all",
    }
    assert await (await client.get(PATH, headers=pusher.headers)).json() == made
    # Changing replaces the alerts and the policy, as Mastodon's `update!(data:)` does.
    changed = await client.put(
        PATH,
        headers=pusher.headers,
        json={"data": {"alerts": {"reblog": True}, "policy": "followed"}},
    )
    assert changed.status == 200, await changed.text()
    assert (await changed.json())["alerts"] == {a: a == "reblog" for a in ALERTS}
    assert (await changed.json())["policy"] == "followed"
    assert (await (await client.get(PATH, headers=pusher.headers)).json())["id"] == made["id"]
    deleted = await client.delete(PATH, headers=pusher.headers)
    assert deleted.status == 200 and await deleted.json() == {}
    assert (await client.get(PATH, headers=pusher.headers)).status == 404
    assert (await client.delete(PATH, headers=pusher.headers)).status == 200  # idempotent
    assert (await client.put(PATH, headers=pusher.headers, json={"data": {}})).status == 404


async def test_mastodon_form_encoding_and_a_new_subscription_replaces_the_old(
    client: TestClient, pusher: User
) -> None:
    keys = browser_keys()
    # Mastodon.py sends standard base64 (padded) and `policy` at the top level.
    p256dh = base64.b64encode(base64.urlsafe_b64decode(keys["p256dh"] + "=")).decode()
    auth = base64.b64encode(base64.urlsafe_b64decode(keys["auth"] + "==")).decode()
    first = await (await client.post(PATH, headers=pusher.headers, json=body())).json()
    response = await client.post(
        PATH,
        headers=pusher.headers,
        data={
            "subscription[endpoint]": "https://push.example/other",
            "subscription[keys][p256dh]": p256dh,
            "subscription[keys][auth]": auth,
            "subscription[standard]": "true",
            "data[alerts][mention]": "1",
            "data[alerts][admin.sign_up]": "true",  # not staff: dropped, as Mastodon does
            "policy": "follower",
        },
    )
    assert response.status == 200, await response.text()
    second = await response.json()
    assert second["id"] != first["id"]
    assert second["standard"] is True
    assert second["policy"] == "follower"
    assert [a for a, on in second["alerts"].items() if on] == ["mention"]
    assert await (await client.get(PATH, headers=pusher.headers)).json() == second


async def test_staff_may_ask_for_admin_alerts(client: TestClient, pusher: User) -> None:
    await moderation.set_role(client.app[CONTEXT], None, int(pusher.id), "moderator")
    made = await client.post(
        PATH,
        headers=pusher.headers,
        json=body(data={"alerts": {"admin.sign_up": True, "admin.report": True}}),
    )
    alerts = (await made.json())["alerts"]
    assert alerts["admin.sign_up"] and alerts["admin.report"]


async def test_each_token_has_its_own_subscription(client: TestClient, pusher: User) -> None:
    app = await register_app(client, scopes=SCOPES)
    other = await sign_up(client, app, scope=SCOPES)
    await client.post(PATH, headers=pusher.headers, json=body())
    assert (await client.get(PATH, headers=other.headers)).status == 404


async def test_the_push_scope_is_needed(client: TestClient, alice: User) -> None:
    for method in ("get", "post", "put", "delete"):
        response = await getattr(client, method)(PATH, headers=alice.headers, json=body())
        assert response.status == 403, method
    assert (await client.get(PATH)).status == 401


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"subscription": {"endpoint": "http://push.example/x", "keys": browser_keys()}}, "https"),
        ({"subscription": {"endpoint": "not a url", "keys": browser_keys()}}, "https"),
        (
            {
                "subscription": {
                    "endpoint": "https://p.example/x" + "x" * 3000,
                    "keys": browser_keys(),
                }
            },
            "endpoint",
        ),
        ({"subscription": {"endpoint": "https://p.example/x"}}, "keys"),
        (
            {
                "subscription": {
                    "endpoint": "https://p.example/x",
                    "keys": {"p256dh": "BAAA", "auth": "c2VjcmV0c2VjcmV0c2VjcmV0"},
                }
            },
            "p256dh",
        ),
        (
            {
                "subscription": {
                    "endpoint": "https://p.example/x",
                    "keys": {**browser_keys(), "auth": "c2hvcnQ"},
                }
            },
            "auth",
        ),
        (
            {
                "subscription": {
                    "endpoint": "https://p.example/x",
                    "keys": {**browser_keys(), "auth": "!!!"},
                }
            },
            "auth",
        ),
        ({"data": {"alerts": {"nonsense": True}}}, "nonsense"),
        ({"data": {"alerts": {"mention": "maybe"}}}, "mention"),
        ({"data": {"policy": "friends"}}, "Policy"),
        ({"subscription": "x"}, "subscription"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(
    client: TestClient, pusher: User, changes: dict[str, Any], problem: str
) -> None:
    response = await client.post(PATH, headers=pusher.headers, json=body(**changes))
    assert response.status == 422, await response.text()
    assert problem in (await response.json())["error"]
    assert (await client.get(PATH, headers=pusher.headers)).status == 404


async def test_bad_changes_are_refused(client: TestClient, pusher: User) -> None:
    await client.post(PATH, headers=pusher.headers, json=body())
    for data in ({"policy": "x"}, {"alerts": {"x": True}}, {"alerts": "x"}):
        response = await client.put(PATH, headers=pusher.headers, json={"data": data})
        assert response.status == 422, data
    shown = await (await client.get(PATH, headers=pusher.headers)).json()
    assert shown["policy"] == "all" and shown["alerts"]["mention"]


@pytest.mark.parametrize(
    "endpoint",
    ["https://[::1/x", "https://push.example:99999/x", "https://push.example:0/x", "https://a b/x"],
)
async def test_broken_endpoints_are_refused(
    client: TestClient, pusher: User, endpoint: str
) -> None:
    made = body(subscription={"endpoint": endpoint, "keys": browser_keys()})
    response = await client.post(PATH, headers=pusher.headers, json=made)
    assert response.status == 422, await response.text()


async def test_only_the_configured_push_services_are_taken(
    aiohttp_client: Any, tmp_path: Any
) -> None:
    from chirp.server.app import create_app
    from tests.helpers import make_settings

    app = create_app(
        make_settings(
            data_dir=tmp_path, web_push_hosts="fcm.googleapis.com, .push.services.mozilla.com"
        )
    )
    client = await aiohttp_client(app)
    user = await sign_up(client, await register_app(client, scopes=SCOPES), scope=SCOPES)
    for endpoint, status in (
        ("https://fcm.googleapis.com/fcm/send/x", 200),
        ("https://updates.push.services.mozilla.com/wpush/v2/x", 200),
        ("https://push.services.mozilla.com.evil.example/x", 422),
        ("https://evil.example/x", 422),
    ):
        made = body(subscription={"endpoint": endpoint, "keys": browser_keys()})
        response = await client.post(PATH, headers=user.headers, json=made)
        assert response.status == status, (endpoint, await response.text())
