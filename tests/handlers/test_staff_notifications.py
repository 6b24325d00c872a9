"""`admin.sign_up` and `admin.report`: each sign-up and each report notifies every staff member
(not plain users, not the reporter, not the reported), with the report in the notification;
`types[]`/`exclude_types[]` select them, a block of the sender drops them, v2 groups show
them, and a staff member's Web Push subscription with the admin alerts pushes them."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.handlers.test_moderation import make_staff
from tests.helpers import Drain, User, register_app, sign_up
from tests.webpush.push_service_double import PushServiceDouble


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"web_push_allow_local": True}


async def notes(client: TestClient, user: User, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/notifications{query}", headers=user.headers)
    assert response.status == 200, await response.text()
    return list(await response.json())


@pytest.fixture
async def staff(client: TestClient, app: web.Application) -> tuple[User, User]:
    mod = await sign_up(client, username="dana")
    boss = await sign_up(client, username="erin")
    await make_staff(app, mod, "moderator")
    await make_staff(app, boss, "admin")
    return mod, boss


async def test_a_sign_up_notifies_staff_only(
    client: TestClient, staff: tuple[User, User], drain: Drain
) -> None:
    newcomer = await sign_up(client, username="newcomer")
    await drain()
    for member in staff:
        found = [n for n in await notes(client, member) if n["type"] == "admin.sign_up"]
        assert [n["account"]["id"] for n in found] == [newcomer.id]
    assert await notes(client, newcomer) == []


async def test_a_report_notifies_staff_with_the_report(
    client: TestClient, staff: tuple[User, User], alice: User, bob: User, drain: Drain
) -> None:
    mod, boss = staff
    made = await client.post(
        "/api/v1/reports", headers=alice.headers, json={"account_id": bob.id, "comment": "rude"}
    )
    assert made.status == 200
    report = await made.json()
    # A report on a staff member reaches the other staff, not that member; nor the reporter.
    on_mod = await client.post(
        "/api/v1/reports", headers=boss.headers, json={"account_id": mod.id, "comment": "hm"}
    )
    assert on_mod.status == 200
    await drain()
    reports = await notes(client, mod, "?types[]=admin.report")
    assert [(n["account"]["id"], n["report"]["id"]) for n in reports] == [(alice.id, report["id"])]
    assert reports[0]["report"]["comment"] == "rude"
    assert reports[0]["report"]["target_account"]["id"] == bob.id
    boss_reports = await notes(client, boss, "?types[]=admin.report")
    assert [n["report"]["id"] for n in boss_reports] == [report["id"]]
    assert all(n["type"] != "admin.report" for n in await notes(client, alice))
    assert all(n["type"] != "admin.report" for n in await notes(client, bob))
    # Selected and excluded by type like any other.
    assert all(
        n["type"] != "admin.report"
        for n in await notes(client, mod, "?exclude_types[]=admin.report")
    )
    single = await client.get(f"/api/v1/notifications/{reports[0]['id']}", headers=mod.headers)
    assert (await single.json())["report"]["id"] == report["id"]
    grouped = await client.get("/api/v2/notifications?types[]=admin.report", headers=mod.headers)
    groups = (await grouped.json())["notification_groups"]
    assert [g["report"]["id"] for g in groups] == [report["id"]]


async def test_a_blocked_sender_does_not_notify(
    client: TestClient, staff: tuple[User, User], alice: User, bob: User, drain: Drain
) -> None:
    mod, _ = staff
    await client.post(f"/api/v1/accounts/{alice.id}/block", headers=mod.headers)
    await client.post("/api/v1/reports", headers=alice.headers, json={"account_id": bob.id})
    await drain()
    assert await notes(client, mod, "?types[]=admin.report") == []


async def test_admin_alerts_are_pushed_to_staff(
    client: TestClient, app: web.Application, drain: Drain
) -> None:
    scopes = "read write push"
    mod = await sign_up(client, await register_app(client, scopes=scopes), scope=scopes)
    await make_staff(app, mod, "moderator")
    double = PushServiceDouble()
    await double.start()
    try:
        browser = double.subscribe("mod")
        made = await client.post(
            "/api/v1/push/subscription",
            headers=mod.headers,
            json=browser.subscription_form(["admin.sign_up"]),
        )
        assert (await made.json())["alerts"]["admin.sign_up"] is True
        await sign_up(client, username="joiner")
        await drain()
        await double.wait_for(1)
        [push] = double.accepted()
        assert push.payload is not None
        assert push.payload["notification_type"] == "admin.sign_up"
        assert push.payload["title"] == "joiner signed up"
    finally:
        await double.close()
