"""Follow options (Mastodon's `reblogs`, `notify`, `languages` on `POST /follow`): shown in the
relationship, changed by following again, kept by a follow request until it is authorized, and
applied by the audience rule: hidden retweets and other languages stay out of the home timeline
(fanned out or pulled at read time), and `status` notifications for each new tweet. On SQLite
and on the MongoDB backend."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.handlers.both_backends import app  # noqa: F401  (the fixture)
from tests.handlers.test_follow_requests import lock
from tests.helpers import Drain, User, act, post


async def follow_with(
    client: TestClient, user: User, target: User, **options: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/accounts/{target.id}/follow", headers=user.headers, json=options
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def home(client: TestClient, user: User) -> list[str]:
    response = await client.get("/api/v1/timelines/home?limit=40", headers=user.headers)
    assert response.status == 200, await response.text()
    return [s["id"] for s in await response.json()]


async def status_notices(client: TestClient, user: User) -> list[str]:
    response = await client.get(
        "/api/v1/notifications", params={"types[]": "status"}, headers=user.headers
    )
    assert response.status == 200, await response.text()
    return [n["status"]["id"] for n in await response.json()]


def options_of(relation: dict[str, Any]) -> tuple[bool, bool, list[str] | None]:
    return relation["showing_reblogs"], relation["notifying"], relation["languages"]


async def test_the_options_show_in_the_relationship_and_change_on_a_second_follow(
    client: TestClient, alice: User, bob: User
) -> None:
    assert options_of(await follow_with(client, alice, bob)) == (True, False, None)
    chosen = await follow_with(client, alice, bob, reblogs=False, notify=True, languages=["en"])
    assert options_of(chosen) == (False, True, ["en"])
    # What is left out stays; an empty list is every language again.
    assert options_of(await follow_with(client, alice, bob, notify=False)) == (False, False, ["en"])
    assert options_of(await follow_with(client, alice, bob, languages=[])) == (False, False, None)
    response = await client.get(
        "/api/v1/accounts/relationships", params={"id[]": bob.id}, headers=alice.headers
    )
    assert options_of((await response.json())[0]) == (False, False, None)
    # As a form, as Mastodon.py sends it.
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/follow",
        headers=alice.headers,
        data={"reblogs": "true", "notify": "1", "languages[]": ["de", "fr"]},
    )
    assert options_of(await response.json()) == (True, True, ["de", "fr"])
    counted = await client.get(f"/api/v1/accounts/{bob.id}")
    assert (await counted.json())["followers_count"] == 1


@pytest.mark.parametrize(
    "options",
    [{"languages": ["english"]}, {"languages": "xx"}, {"reblogs": "perhaps"}],
)
async def test_bad_options_are_422_and_change_nothing(
    client: TestClient, alice: User, bob: User, options: dict[str, Any]
) -> None:
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers, json=options
    )
    assert response.status == 422, await response.text()
    assert "error" in await response.json()
    response = await client.get(
        "/api/v1/accounts/relationships", params={"id[]": bob.id}, headers=alice.headers
    )
    assert (await response.json())[0]["following"] is False


async def test_hidden_retweets_stay_out_of_the_home_timeline(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow_with(client, alice, bob, reblogs=False)
    original = await post(client, carol, "carol's")
    retweet = await act(client, bob, original["id"], "reblog")
    own = await post(client, bob, "bob's own")
    await drain()
    assert await home(client, alice) == [own["id"]]
    await follow_with(client, alice, bob, reblogs=True)
    second = await act(client, bob, (await post(client, carol, "again"))["id"], "reblog")
    await drain()
    assert second["id"] in await home(client, alice)
    assert retweet["id"] not in await home(client, alice)  # hidden when it went out


async def test_notify_tells_of_each_new_tweet_but_retweets_and_replies_to_others(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    relation = await follow_with(client, alice, bob, notify=True)
    assert relation["notifying"] is True
    first = await post(client, bob, "news")
    thread = await post(client, bob, "more news", in_reply_to_id=first["id"])  # a self-reply
    other = await post(client, carol, "carol's")
    await post(client, bob, "@carol a reply", in_reply_to_id=other["id"])
    await act(client, bob, other["id"], "reblog")
    hidden = await post(client, bob, "for followers", visibility="private")
    await post(client, bob, f"@{alice.username} a direct one", visibility="direct")
    await drain()
    edited = await client.put(
        f"/api/v1/statuses/{first['id']}", headers=bob.headers, json={"status": "news, edited"}
    )
    assert edited.status == 200
    await drain()
    assert await status_notices(client, alice) == [hidden["id"], thread["id"], first["id"]]
    response = await client.get("/api/v1/notifications", headers=alice.headers)
    kinds = [n["type"] for n in await response.json()]
    assert kinds.count("status") == 3 and "mention" in kinds  # the direct tweet: a mention
    # Turned off: no more.
    await follow_with(client, alice, bob, notify=False)
    await post(client, bob, "quiet now")
    await drain()
    assert len(await status_notices(client, alice)) == 3


@pytest.mark.parametrize(
    "settings_overrides",
    [{}, {"fanout_follower_threshold": 1}],
    ids=["fanned out", "pulled at read time"],
)
async def test_languages_keep_the_author_s_other_languages_out_of_home(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow_with(client, alice, bob, languages=["en", "fr"], notify=True)
    english = await post(client, bob, "hello", language="en")
    await post(client, bob, "hallo", language="de")
    french = await post(client, bob, "bonjour", language="fr")
    await drain()
    assert await home(client, alice) == [french["id"], english["id"]]
    assert await status_notices(client, alice) == [french["id"], english["id"]]
    await follow_with(client, alice, bob, languages=[])
    german = await post(client, bob, "wieder hallo", language="de")
    await drain()
    assert german["id"] in await home(client, alice)


async def test_a_follow_request_keeps_its_options_until_authorized(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await lock(client, bob)
    asked = await follow_with(client, alice, bob, notify=True)
    assert asked["requested"] is True and asked["following"] is False
    assert options_of(asked) == (True, True, None)  # the request's, as Mastodon shows them
    changed = await follow_with(client, alice, bob, reblogs=False)  # pending: they change
    assert options_of(changed) == (False, True, None)
    response = await client.post(
        f"/api/v1/follow_requests/{alice.id}/authorize", headers=bob.headers
    )
    assert response.status == 200, await response.text()
    response = await client.get(
        "/api/v1/accounts/relationships", params={"id[]": bob.id}, headers=alice.headers
    )
    assert options_of((await response.json())[0]) == (False, True, None)
    tweet = await post(client, bob, "for my new follower", visibility="private")
    await drain()
    assert await status_notices(client, alice) == [tweet["id"]]
