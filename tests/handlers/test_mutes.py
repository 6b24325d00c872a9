"""Mutes over the API, with Mastodon's semantics: the muted account's tweets and retweets (and
retweets of their tweets, and replies to them) leave the muter's home, public and tag
timelines and threads; with `notifications` (the default) their notifications are dropped;
`duration` ends the mute on time; `/api/v1/mutes` lists them with `mute_expires_at`. The muted
account sees nothing of it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, act, follow, post, user_token


async def mute(client: TestClient, user: User, other: User, **form: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/accounts/{other.id}/mute", headers=user.headers, json=form
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def ids(client: TestClient, user: User, path: str) -> list[str]:
    response = await client.get(path, headers=user.headers)
    assert response.status == 200, await response.text()
    return [s["id"] for s in await response.json()]


async def notes(client: TestClient, user: User) -> list[tuple[str, str]]:
    response = await client.get("/api/v1/notifications", headers=user.headers)
    return [(n["type"], n["account"]["id"]) for n in await response.json()]


async def test_mute_relationship_flags_and_unmute(
    client: TestClient, alice: User, bob: User
) -> None:
    relation = await mute(client, alice, bob)
    assert relation["muting"] is True and relation["muting_notifications"] is True
    relation = await mute(client, alice, bob, notifications=False)
    assert relation["muting"] is True and relation["muting_notifications"] is False
    # Unseen by the muted account; follows are kept.
    response = await client.get(
        f"/api/v1/accounts/relationships?id[]={alice.id}", headers=bob.headers
    )
    theirs = (await response.json())[0]
    assert theirs["muting"] is False and theirs["blocked_by"] is False
    assert (await follow(client, bob, alice))["following"] is True
    response = await client.post(f"/api/v1/accounts/{bob.id}/unmute", headers=alice.headers)
    assert (await response.json())["muting"] is False


async def test_muted_tweets_leave_timelines_and_threads(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    await mute(client, alice, bob)
    by_bob = await post(client, bob, "bob again #mutetag")
    by_carol = await post(client, carol, "carol #mutetag")
    reblog_of_bob = await act(client, carol, by_bob["id"], "reblog")
    reply = await post(client, bob, "a reply", in_reply_to_id=by_carol["id"])
    to_bob = await post(client, carol, "@bob hi", in_reply_to_id=by_bob["id"])
    await drain()
    home = await ids(client, alice, "/api/v1/timelines/home")
    assert home == [by_carol["id"]]
    assert reblog_of_bob["id"] not in home and to_bob["id"] not in home
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/tag/mutetag"):
        seen = await ids(client, alice, path)
        assert by_bob["id"] not in seen and by_carol["id"] in seen, path
        assert by_bob["id"] in await ids(client, carol, path)
    context = await (
        await client.get(f"/api/v1/statuses/{by_carol['id']}/context", headers=alice.headers)
    ).json()
    assert reply["id"] not in [s["id"] for s in context["descendants"]]
    # The profile and the tweet itself stay reachable, as Mastodon.
    assert by_bob["id"] in await ids(client, alice, f"/api/v1/accounts/{bob.id}/statuses")
    response = await client.get(f"/api/v1/statuses/{by_bob['id']}", headers=alice.headers)
    assert response.status == 200
    # Unmuted: back in the timelines.
    await client.post(f"/api/v1/accounts/{bob.id}/unmute", headers=alice.headers)
    assert by_bob["id"] in await ids(client, alice, "/api/v1/timelines/public")


async def test_notifications_flag(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await mute(client, alice, bob)  # notifications too, by default
    await mute(client, alice, carol, notifications=False)
    await post(client, bob, "@alice from bob")
    await post(client, carol, "@alice from carol")
    await drain()
    assert await notes(client, alice) == [("mention", carol.id)]


async def test_a_mute_with_a_duration_ends_on_time(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    by_bob = await post(client, bob, "soon back")
    await mute(client, alice, bob, duration=1)
    response = await client.get("/api/v1/mutes", headers=alice.headers)
    [listed] = await response.json()
    assert listed["id"] == bob.id
    expires = datetime.fromisoformat(listed["mute_expires_at"].replace("Z", "+00:00"))
    assert 0 < (expires - datetime.now(UTC)).total_seconds() <= 1.5
    assert by_bob["id"] not in await ids(client, alice, "/api/v1/timelines/public")
    await asyncio.sleep(1.1)
    assert by_bob["id"] in await ids(client, alice, "/api/v1/timelines/public")
    assert await (await client.get("/api/v1/mutes", headers=alice.headers)).json() == []
    response = await client.get(
        f"/api/v1/accounts/relationships?id[]={bob.id}", headers=alice.headers
    )
    assert (await response.json())[0]["muting"] is False


async def test_mutes_list_forever_and_bad_input(client: TestClient, alice: User, bob: User) -> None:
    await mute(client, alice, bob, duration=0)
    [listed] = await (await client.get("/api/v1/mutes", headers=alice.headers)).json()
    assert listed["mute_expires_at"] is None
    for bad in ({"duration": -1}, {"duration": "soon"}, {"notifications": "maybe"}):
        response = await client.post(
            f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers, json=bad
        )
        assert response.status == 422, bad
        assert "error" in await response.json()
    assert (await client.get("/api/v1/mutes")).status == 401
    response = await client.get("/api/v1/mutes", headers=await user_token(client, alice, "write"))
    assert response.status == 403
    response = await client.post("/api/v1/accounts/999999/mute", headers=alice.headers)
    assert response.status == 404
    response = await client.post(f"/api/v1/accounts/{alice.id}/mute", headers=alice.headers)
    assert response.status == 403
