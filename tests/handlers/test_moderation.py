"""Reports and the admin API: `POST /api/v1/reports`, `/api/v1/admin/accounts` (v1 and v2)
and `/api/v1/admin/reports`, their failures (no token, wrong scope, not staff, unknown ids,
bad input), and the effects of each action on the other read paths."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core import moderation
from chirp.core.models import Page
from chirp.server.keys import CONTEXT, SETTINGS
from tests.helpers import PASSWORD, Drain, User, act, follow, post, register_app, sign_up

ADMIN_SCOPES = "read write follow admin:read admin:write"
RULES = ["No spam", "Be kind"]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"instance_rules": RULES}


async def staff_token(client: TestClient, user: User, scope: str = ADMIN_SCOPES) -> dict[str, str]:
    app = await register_app(client, scopes=ADMIN_SCOPES)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": user.username,
            "password": PASSWORD,
            "scope": scope,
        },
    )
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['access_token']}"}


async def make_staff(app: web.Application, user: User, role: str = "moderator") -> None:
    await moderation.set_role(app[CONTEXT], None, int(user.id), role)


@pytest.fixture
async def mod(client: TestClient, app: web.Application) -> dict[str, str]:
    user = await sign_up(client, username="dana")
    await make_staff(app, user)
    return await staff_token(client, user)


async def report(client: TestClient, user: User, **body: Any) -> Any:
    response = await client.post("/api/v1/reports", headers=user.headers, json=body)
    return response.status, await response.json()


async def test_a_report_as_mastodon_shows_it(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, bob, "spam spam spam")
    status, body = await report(
        client,
        alice,
        account_id=bob.id,
        status_ids=[tweet["id"]],
        category="violation",
        rule_ids=["1"],
        comment="selling things",
        forward=True,
    )
    assert status == 200, body
    assert body["category"] == "violation"
    assert body["status_ids"] == [tweet["id"]]
    assert body["rule_ids"] == ["1"]
    assert body["comment"] == "selling things"
    assert body["forwarded"] is True
    assert body["action_taken"] is False and body["action_taken_at"] is None
    assert body["target_account"]["id"] == bob.id
    # Without a category: `other` (rule ids are kept for violations only).
    status, body = await report(client, alice, account_id=bob.id, comment="hm")
    assert status == 200 and body["category"] == "other" and body["rule_ids"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"category": "violation", "rule_ids": ["9"]}, 422),  # not one of the server's rules
        ({"category": "violation"}, 422),  # a violation names a rule
        ({"category": "nonsense"}, 422),
        ({"comment": "x" * 1001}, 422),
        ({"status_ids": ["123"]}, 404),  # not the reported account's tweet
    ],
)
async def test_bad_reports_are_refused(
    client: TestClient, alice: User, bob: User, body: dict[str, Any], expected: int
) -> None:
    status, answer = await report(client, alice, account_id=bob.id, **body)
    assert status == expected, answer
    assert "error" in answer


async def test_report_failures(client: TestClient, alice: User, bob: User) -> None:
    assert (await client.post("/api/v1/reports", json={"account_id": bob.id})).status == 401
    assert (await report(client, alice, account_id="999999"))[0] == 404
    assert (await report(client, alice, account_id=alice.id))[0] == 422
    assert (await report(client, alice))[0] == 422  # no account
    # Someone else's tweet cannot be slipped into a report on Bob.
    own = await post(client, alice, "mine")
    assert (await report(client, alice, account_id=bob.id, status_ids=[own["id"]]))[0] == 404
    read_only = await staff_token(client, alice, "read")
    response = await client.post("/api/v1/reports", headers=read_only, json={"account_id": bob.id})
    assert response.status == 403


async def test_admin_endpoints_refuse_outsiders(
    client: TestClient, alice: User, mod: dict[str, str]
) -> None:
    paths = [
        ("GET", "/api/v1/admin/accounts"),
        ("GET", "/api/v2/admin/accounts"),
        ("GET", f"/api/v1/admin/accounts/{alice.id}"),
        ("POST", f"/api/v1/admin/accounts/{alice.id}/action"),
        ("POST", f"/api/v1/admin/accounts/{alice.id}/unsuspend"),
        ("GET", "/api/v1/admin/reports"),
        ("POST", "/api/v1/admin/reports/1/resolve"),
        ("PUT", "/api/v1/admin/reports/1"),
    ]
    plain = await staff_token(client, alice)  # the right scopes, but no role
    narrow = {"Authorization": mod["Authorization"]}
    for method, path in paths:
        assert (await client.request(method, path)).status == 401, path
        answer = await client.request(method, path, headers=plain)
        assert answer.status == 403, path
        assert "error" in await answer.json()
        # A user's everyday token lacks the admin scopes, staff or not.
        assert (await client.request(method, path, headers=alice.headers)).status == 403, path
    assert (await client.get("/api/v1/admin/accounts/99999", headers=narrow)).status == 404
    assert (await client.get("/api/v1/admin/reports/99999", headers=narrow)).status == 404
    wrong = await client.post(
        f"/api/v1/admin/accounts/{alice.id}/action", headers=narrow, json={"type": "explode"}
    )
    assert wrong.status == 422


async def test_admin_accounts_list_and_filters(
    client: TestClient, app: web.Application, alice: User, bob: User, mod: dict[str, str]
) -> None:
    response = await client.get("/api/v2/admin/accounts?origin=local", headers=mod)
    assert response.status == 200
    listed = {a["username"]: a for a in await response.json()}
    assert {"alice", "bob", "dana"} <= listed.keys()
    assert listed["alice"]["email"] == alice.email
    assert listed["alice"]["approved"] is True and listed["alice"]["suspended"] is False
    assert listed["dana"]["role"]["name"] == "Moderator"
    assert listed["alice"]["account"]["id"] == alice.id
    by_name = await client.get("/api/v2/admin/accounts?username=ali", headers=mod)
    assert [a["username"] for a in await by_name.json()] == ["alice"]
    by_mail = await client.get("/api/v1/admin/accounts?email=bob@", headers=mod)
    assert [a["username"] for a in await by_mail.json()] == ["bob"]
    assert (
        await (await client.get("/api/v2/admin/accounts?origin=remote", headers=mod)).json() == []
    )
    staff = await client.get("/api/v2/admin/accounts?permissions=staff", headers=mod)
    assert [a["username"] for a in await staff.json()] == ["dana"]
    staff_v1 = await client.get("/api/v1/admin/accounts?staff=true", headers=mod)
    assert [a["username"] for a in await staff_v1.json()] == ["dana"]
    bad = await client.get("/api/v2/admin/accounts?status=asleep", headers=mod)
    assert bad.status == 422
    await client.post(
        f"/api/v1/admin/accounts/{bob.id}/action", headers=mod, json={"type": "silence"}
    )
    silenced = await client.get("/api/v2/admin/accounts?status=silenced", headers=mod)
    assert [a["username"] for a in await silenced.json()] == ["bob"]
    shown = await client.get(f"/api/v1/admin/accounts/{bob.id}", headers=mod)
    assert (await shown.json())["silenced"] is True


async def test_suspension_hides_everything_and_ends_sessions(
    client: TestClient, alice: User, bob: User, mod: dict[str, str], drain: Drain
) -> None:
    await follow(client, alice, bob)
    tweet = await post(client, bob, "hello @alice")
    await drain()
    response = await client.post(
        f"/api/v1/admin/accounts/{bob.id}/action",
        headers=mod,
        json={"type": "suspend", "text": "spam"},
    )
    assert response.status == 200 and await response.json() == {}
    # Bob's token is revoked at once; his password no longer opens a session.
    assert (
        await client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)
    ).status == 401
    app_creds = await register_app(client)
    login = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app_creds.client_id,
            "client_secret": app_creds.client_secret,
            "username": bob.username,
            "password": PASSWORD,
        },
    )
    assert login.status == 400
    # Gone from every read path.
    assert (await client.get(f"/api/v1/accounts/{bob.id}", headers=alice.headers)).status == 404
    lookup = await client.get("/api/v1/accounts/lookup?acct=bob")
    assert lookup.status == 404
    assert (
        await client.get(f"/api/v1/statuses/{tweet['id']}", headers=alice.headers)
    ).status == 404
    for path in ("/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/notifications"):
        body = await (await client.get(path, headers=alice.headers)).json()
        assert all(tweet["id"] != (item.get("status") or item)["id"] for item in body), path
    # Undone: Bob is back (with a new login).
    back = await client.post(f"/api/v1/admin/accounts/{bob.id}/unsuspend", headers=mod)
    assert back.status == 200 and (await back.json())["suspended"] is False
    assert (
        await client.get(f"/api/v1/statuses/{tweet['id']}", headers=alice.headers)
    ).status == 200


async def test_silence_keeps_tweets_among_followers(
    client: TestClient, alice: User, bob: User, carol: User, mod: dict[str, str], drain: Drain
) -> None:
    await follow(client, alice, bob)
    await client.post(
        f"/api/v1/admin/accounts/{bob.id}/action", headers=mod, json={"type": "silence"}
    )
    tweet = await post(client, bob, "quiet now @alice @carol #news")
    await drain()
    public = await (await client.get("/api/v1/timelines/public", headers=carol.headers)).json()
    assert tweet["id"] not in [s["id"] for s in public]
    tagged = await (await client.get("/api/v1/timelines/tag/news", headers=carol.headers)).json()
    assert tweet["id"] not in [s["id"] for s in tagged]
    follower = await (await client.get("/api/v1/timelines/public", headers=alice.headers)).json()
    assert tweet["id"] in [s["id"] for s in follower]
    alice_notes = await (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    assert [n["status"]["id"] for n in alice_notes if n["type"] == "mention"] == [tweet["id"]]
    carol_notes = await (await client.get("/api/v1/notifications", headers=carol.headers)).json()
    assert carol_notes == []


async def test_disable_blocks_logins_until_enabled(
    client: TestClient, alice: User, mod: dict[str, str]
) -> None:
    await client.post(
        f"/api/v1/admin/accounts/{alice.id}/action", headers=mod, json={"type": "disable"}
    )
    answer = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert answer.status == 403
    assert (await answer.json())["error"] == "Your login is currently disabled"
    enabled = await client.post(f"/api/v1/admin/accounts/{alice.id}/enable", headers=mod)
    assert (await enabled.json())["disabled"] is False
    assert (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).status == 200


async def test_staff_cannot_act_on_equal_or_stronger_roles(
    client: TestClient, app: web.Application, alice: User, mod: dict[str, str]
) -> None:
    await make_staff(app, alice, "admin")
    response = await client.post(
        f"/api/v1/admin/accounts/{alice.id}/action", headers=mod, json={"type": "suspend"}
    )
    assert response.status == 403


async def test_reports_workflow(
    client: TestClient, alice: User, bob: User, mod: dict[str, str]
) -> None:
    tweet = await post(client, bob, "bad")
    _, filed = await report(
        client, alice, account_id=bob.id, status_ids=[tweet["id"]], category="spam"
    )
    listed = await (await client.get("/api/v1/admin/reports", headers=mod)).json()
    assert [r["id"] for r in listed] == [filed["id"]]
    shown = await (await client.get(f"/api/v1/admin/reports/{filed['id']}", headers=mod)).json()
    assert shown["account"]["id"] == alice.id and shown["target_account"]["id"] == bob.id
    assert [s["id"] for s in shown["statuses"]] == [tweet["id"]]
    assert shown["assigned_account"] is None
    base = f"/api/v1/admin/reports/{filed['id']}"
    assigned = await (await client.post(base + "/assign_to_self", headers=mod)).json()
    assert assigned["assigned_account"]["username"] == "dana"
    unassigned = await (await client.post(base + "/unassign", headers=mod)).json()
    assert unassigned["assigned_account"] is None
    # Acting with the report resolves it.
    acted = await client.post(
        f"/api/v1/admin/accounts/{bob.id}/action",
        headers=mod,
        json={"type": "none", "report_id": filed["id"]},
    )
    assert acted.status == 200
    resolved = await (await client.get(base, headers=mod)).json()
    assert resolved["action_taken"] is True
    assert resolved["action_taken_by_account"]["username"] == "dana"
    assert await (await client.get("/api/v1/admin/reports", headers=mod)).json() == []
    done = await (await client.get("/api/v1/admin/reports?resolved=true", headers=mod)).json()
    assert [r["id"] for r in done] == [filed["id"]]
    reopened = await (await client.post(base + "/reopen", headers=mod)).json()
    assert reopened["action_taken"] is False
    again = await (await client.post(base + "/resolve", headers=mod)).json()
    assert again["action_taken"] is True
    # Staff correct the category and rules.
    fixed = await client.put(base, headers=mod, json={"category": "violation", "rule_ids": ["2"]})
    assert fixed.status == 200
    body = await fixed.json()
    assert body["category"] == "violation" and [r["text"] for r in body["rules"]] == ["Be kind"]
    bad = await client.put(base, headers=mod, json={"category": "violation", "rule_ids": ["7"]})
    assert bad.status == 422
    assert (await client.put(base, headers=mod, json={"category": "nope"})).status == 422
    # A report on someone else cannot be resolved through an action on Bob.
    other = await client.post(
        f"/api/v1/admin/accounts/{alice.id}/action",
        headers=mod,
        json={"type": "none", "report_id": filed["id"]},
    )
    assert other.status == 404


async def test_roles_show_on_accounts(
    client: TestClient, app: web.Application, alice: User, bob: User
) -> None:
    me = await (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).json()
    assert me["role"]["id"] == "-99" and me["roles"] == []
    await make_staff(app, alice, "admin")
    me = await (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).json()
    assert me["role"]["name"] == "Admin" and me["role"]["highlighted"] is True
    shown = await (await client.get(f"/api/v1/accounts/{alice.id}", headers=bob.headers)).json()
    assert shown["roles"] == [{"id": "2", "name": "Admin", "color": ""}]


@pytest.mark.parametrize("settings_overrides", [{"registrations": "approval"}])
async def test_pending_sign_ups_are_approved_or_rejected(
    client: TestClient, app: web.Application
) -> None:
    dana = await sign_up_pending(client, "dana")
    await make_staff(app, dana)
    await moderation.approve_account(app[CONTEXT], None, int(dana.id))
    mod = await staff_token(client, dana)
    eve = await sign_up_pending(client, "eve")
    frank = await sign_up_pending(client, "frank")
    pending = await (await client.get("/api/v2/admin/accounts?status=pending", headers=mod)).json()
    assert [(a["username"], a["invite_request"]) for a in pending] == [
        ("frank", "let me in"),
        ("eve", "let me in"),
    ]
    v1 = await (await client.get("/api/v1/admin/accounts?pending=true", headers=mod)).json()
    assert [a["username"] for a in v1] == ["frank", "eve"]
    approved = await client.post(f"/api/v1/admin/accounts/{eve.id}/approve", headers=mod)
    assert approved.status == 200 and (await approved.json())["approved"] is True
    assert (
        await client.get("/api/v1/accounts/verify_credentials", headers=eve.headers)
    ).status == 200
    # Approving again changes nothing (idempotent); rejecting an approved account is refused.
    again = await client.post(f"/api/v1/admin/accounts/{eve.id}/approve", headers=mod)
    assert again.status == 200 and (await again.json())["approved"] is True
    rejected = await client.post(f"/api/v1/admin/accounts/{frank.id}/reject", headers=mod)
    assert rejected.status == 200
    assert (await rejected.json())["suspended"] is True  # the rejected account, as Mastodon
    assert (
        await client.get("/api/v1/accounts/verify_credentials", headers=frank.headers)
    ).status == 401
    assert (
        await (await client.get("/api/v2/admin/accounts?status=pending", headers=mod)).json() == []
    )
    assert (await client.post(f"/api/v1/admin/accounts/{eve.id}/reject", headers=mod)).status == 403
    assert (await client.post("/api/v1/admin/accounts/424242/approve", headers=mod)).status == 404


async def sign_up_pending(client: TestClient, username: str) -> User:
    app = await register_app(client)
    token_response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "scope": "read write",
        },
    )
    token = (await token_response.json())["access_token"]
    response = await client.post(
        "/api/v1/accounts",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "username": username,
            "email": f"{username}@example.com",
            "password": PASSWORD,
            "agreement": True,
            "reason": "let me in",
        },
    )
    assert response.status == 200, await response.text()
    access = (await response.json())["access_token"]
    account = await app_ctx(client).store.get_account_by_username(username)
    return User(str(account.id), username, f"{username}@example.com", access, None)


def app_ctx(client: TestClient) -> Any:
    return client.app[CONTEXT]


async def test_suspended_accounts_leave_search_and_follower_lists(
    client: TestClient, alice: User, bob: User, mod: dict[str, str]
) -> None:
    await follow(client, bob, alice)
    liked = await post(client, alice, "like me")
    await act(client, bob, liked["id"], "favourite")
    likers = f"/api/v1/statuses/{liked['id']}/favourited_by"
    assert len(await (await client.get(likers, headers=alice.headers)).json()) == 1
    found = await (await client.get("/api/v2/search?q=bob", headers=alice.headers)).json()
    assert [a["username"] for a in found["accounts"]] == ["bob"]
    link = f"{client.app[SETTINGS].base_url}/@bob"
    linked = await client.get("/api/v2/search", params={"q": link}, headers=alice.headers)
    assert [a["username"] for a in (await linked.json())["accounts"]] == ["bob"]
    await client.post(
        f"/api/v1/admin/accounts/{bob.id}/action", headers=mod, json={"type": "suspend"}
    )
    found = await (await client.get("/api/v2/search?q=bob", headers=alice.headers)).json()
    assert found["accounts"] == []
    linked = await client.get("/api/v2/search", params={"q": link}, headers=alice.headers)
    assert (await linked.json())["accounts"] == []
    followers = await client.get(f"/api/v1/accounts/{alice.id}/followers", headers=alice.headers)
    assert await followers.json() == []
    assert await (await client.get(likers, headers=alice.headers)).json() == []
    assert (await client.get("/@bob")).status == 404


async def test_deleting_a_suspended_account_s_data(
    client: TestClient, alice: User, bob: User, mod: dict[str, str], drain: Drain
) -> None:
    await follow(client, alice, bob)
    tweet = await post(client, bob, "soon gone")
    path = f"/api/v1/admin/accounts/{bob.id}"
    # Only a suspended account's data; only staff; only a known account.
    refused = await client.delete(path, headers=mod)
    assert refused.status == 403 and "error" in await refused.json()
    assert (await client.delete(path, headers=alice.headers)).status == 403
    assert (await client.delete("/api/v1/admin/accounts/12345", headers=mod)).status == 404
    assert (await client.get(f"/api/v1/statuses/{tweet['id']}")).status == 200
    await client.post(f"{path}/action", headers=mod, json={"type": "suspend"})
    deleted = await client.delete(path, headers=mod)
    assert deleted.status == 200, await deleted.text()
    assert (await deleted.json())["username"] == "bob"
    await drain()
    # Unsuspended afterwards, the account is there but empty: the deletion was for good.
    await client.post(f"{path}/unsuspend", headers=mod)
    assert (await client.get(f"/api/v1/statuses/{tweet['id']}")).status == 404
    shown = await (await client.get(f"/api/v1/accounts/{bob.id}")).json()
    assert (shown["statuses_count"], shown["followers_count"]) == (0, 0)
    following = await client.get(f"/api/v1/accounts/{alice.id}/following", headers=alice.headers)
    assert await following.json() == []
    audit = await moderation.list_audit(client.app[CONTEXT], Page())
    assert "destroy_account" in [entry.action for entry in audit]
