"""Discovery documents: WebFinger for local accounts, host-meta, NodeInfo with real usage."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import User, post, sign_up

DOMAIN = "127.0.0.1:8080"
BASE = f"http://{DOMAIN}"


async def webfinger(client: TestClient, resource: str | None, status: int = 200) -> Any:
    params = {} if resource is None else {"resource": resource}
    response = await client.get("/.well-known/webfinger", params=params)
    assert response.status == status, await response.text()
    body = await response.json(content_type=None)
    if status == 200:
        assert response.headers["Content-Type"].startswith("application/jrd+json")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    else:
        assert response.content_type == "application/json" and body["error"]
    return body


@pytest.mark.parametrize(
    "resource",
    [
        "acct:alice@127.0.0.1:8080",
        "acct:ALICE@127.0.0.1:8080",
        "alice@127.0.0.1:8080",
        "acct:alice",
        "acct:@alice@127.0.0.1:8080",
        f"{BASE}/@alice",
        f"{BASE}/users/alice",
    ],
)
async def test_webfinger_finds_a_local_account(
    client: TestClient, alice: User, resource: str
) -> None:
    body = await webfinger(client, resource)
    assert body["subject"] == f"acct:alice@{DOMAIN}"
    assert body["aliases"] == [f"{BASE}/@alice"]
    links = {link["rel"]: link for link in body["links"]}
    assert links["http://webfinger.net/rel/profile-page"] == {
        "rel": "http://webfinger.net/rel/profile-page",
        "type": "text/html",
        "href": f"{BASE}/@alice",
    }
    assert links["self"]["href"] == f"{BASE}/api/v1/accounts/{alice.id}"
    # The self link leads to the account, and its url to the profile page named here.
    account = await client.get(links["self"]["href"].removeprefix(BASE))
    assert account.status == 200
    assert (await account.json())["url"] == f"{BASE}/@alice"


@pytest.mark.parametrize(
    "resource",
    [
        "acct:nobody@127.0.0.1:8080",
        "acct:alice@elsewhere.example",
        "alice@elsewhere.example",
        "https://elsewhere.example/@alice",
        f"{BASE}/@alice/123",
        f"{BASE}/about",
    ],
)
async def test_webfinger_404s_for_what_is_not_a_local_account(
    client: TestClient, alice: User, resource: str
) -> None:
    await webfinger(client, resource, 404)


@pytest.mark.parametrize(
    "resource",
    [None, "", "   ", "alice", "mailto:alice@127.0.0.1:8080", "acct:", "acct:alice@", "acct:a@b@c"],
)
async def test_webfinger_400s_for_a_bad_resource(
    client: TestClient, alice: User, resource: str | None
) -> None:
    await webfinger(client, resource, 400)


async def test_webfinger_refuses_an_overlong_resource(client: TestClient) -> None:
    await webfinger(client, "acct:" + "a" * 2000 + f"@{DOMAIN}", 400)


async def test_host_meta_as_xrd_and_json(client: TestClient, alice: User) -> None:
    response = await client.get("/.well-known/host-meta")
    assert response.status == 200
    assert response.content_type == "application/xrd+xml"
    root = ElementTree.fromstring(await response.text())
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("rel") == "lrdd"
    template = link.get("template")
    assert template == f"{BASE}/.well-known/webfinger?resource={{uri}}"
    for request in (
        client.get("/.well-known/host-meta", params={"format": "json"}),
        client.get("/.well-known/host-meta", headers={"Accept": "application/json"}),
    ):
        response = await request
        assert response.content_type == "application/json"
        assert await response.json() == {"links": [{"rel": "lrdd", "template": template}]}
    # The template leads to a working WebFinger lookup.
    followed = template.replace("{uri}", f"acct:alice@{DOMAIN}").removeprefix(BASE)
    assert (await client.get(followed)).status == 200


async def nodeinfo(client: TestClient, version: str) -> dict[str, Any]:
    response = await client.get(f"/nodeinfo/{version}")
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == (
        f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return dict(await response.json())


async def test_nodeinfo_discovery_links_to_each_version(client: TestClient) -> None:
    response = await client.get("/.well-known/nodeinfo")
    assert response.status == 200
    links = (await response.json())["links"]
    assert [link["rel"] for link in links] == [
        "http://nodeinfo.diaspora.software/ns/schema/2.0",
        "http://nodeinfo.diaspora.software/ns/schema/2.1",
    ]
    for link in links:
        version = link["rel"].rsplit("/", 1)[1]
        assert link["href"] == f"{BASE}/nodeinfo/{version}"
        assert (await nodeinfo(client, version))["version"] == version
    assert (await client.get("/nodeinfo/1.0")).status == 404


async def test_nodeinfo_reports_real_usage(client: TestClient, alice: User, bob: User) -> None:
    await sign_up(client, username="carol")  # signed up, never posted
    await post(client, alice, "one")
    await post(client, alice, "two")
    await post(client, bob, "three")
    body = await nodeinfo(client, "2.0")
    assert body["software"] == {"name": "chirp", "version": body["software"]["version"]}
    assert body["protocols"] == []  # not federated
    assert body["services"] == {"outbound": [], "inbound": []}
    assert body["usage"] == {
        "users": {"total": 3, "activeMonth": 2, "activeHalfyear": 2},
        "localPosts": 3,
    }
    assert body["openRegistrations"] is True
    assert body["metadata"]["nodeName"] == "Chirp"
    v21 = await nodeinfo(client, "2.1")
    assert v21["usage"] == body["usage"]
    assert v21["software"]["repository"].startswith("https://")


@pytest.mark.parametrize("settings_overrides", [{"registrations_open": False}])
async def test_nodeinfo_says_registrations_are_closed_when_they_are(client: TestClient) -> None:
    assert (await nodeinfo(client, "2.0"))["openRegistrations"] is False
    response = await client.post(
        "/api/v1/accounts", json={"username": "x", "email": "x@example.com", "password": "p"}
    )
    assert response.status in (401, 403)
