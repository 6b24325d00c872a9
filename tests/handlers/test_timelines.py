"""Timelines: home (chronological and ranked), account, public, hashtag; pagination; trends."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from tests.helpers import Drain, User, act, follow, post, sign_up


async def timeline(client: TestClient, path: str, user: User | None = None) -> list[dict[str, Any]]:
    response = await client.get(path, headers=user.headers if user else {})
    assert response.status == 200, await response.text()
    return list(await response.json())


async def ids(client: TestClient, path: str, user: User | None = None) -> list[str]:
    return [s["id"] for s in await timeline(client, path, user)]


def links(header: str) -> dict[str, URL]:
    return {rel: URL(url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


# --- home ---------------------------------------------------------------------------------------


async def test_home_has_own_and_followed_tweets_and_retweets(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await drain()
    own = await post(client, alice, "mine")
    followed = await post(client, bob, "from bob")
    stranger = await post(client, carol, "from a stranger")
    retweet = await act(client, bob, stranger["id"], "reblog")
    await drain()
    home = await timeline(client, "/api/v1/timelines/home", alice)
    assert [s["id"] for s in home] == [retweet["id"], followed["id"], own["id"]]
    assert home[0]["reblog"]["id"] == stranger["id"]
    assert stranger["id"] not in [s["id"] for s in home]
    # carol's home holds only her own tweet; bob's retweet is not hers to see (no follow).
    assert await ids(client, "/api/v1/timelines/home", carol) == [stranger["id"]]


async def test_follow_merges_recent_tweets_and_unfollow_removes_them(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    earlier = await post(client, bob, "before the follow")
    await follow(client, alice, bob)
    await drain()
    assert await ids(client, "/api/v1/timelines/home", alice) == [earlier["id"]]
    later = await post(client, bob, "after the follow")
    await drain()
    assert await ids(client, "/api/v1/timelines/home", alice) == [later["id"], earlier["id"]]

    await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    await drain()
    assert await ids(client, "/api/v1/timelines/home", alice) == []


async def test_deleted_tweet_leaves_home(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    tweet = await post(client, bob, "oops")
    keep = await post(client, bob, "keep")
    await drain()
    assert await ids(client, "/api/v1/timelines/home", alice) == [keep["id"], tweet["id"]]
    await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=bob.headers)
    await drain()
    assert await ids(client, "/api/v1/timelines/home", alice) == [keep["id"]]


async def test_unreblogged_tweet_leaves_home(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    tweet = await post(client, carol, "retweet me")
    wrapper = await act(client, bob, tweet["id"], "reblog")
    await drain()
    assert await ids(client, "/api/v1/timelines/home", alice) == [wrapper["id"]]
    await act(client, bob, tweet["id"], "unreblog")
    await drain()
    assert await ids(client, "/api/v1/timelines/home", alice) == []


async def test_home_skips_replies_to_people_not_followed(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    root = await post(client, carol, "carol's thought")
    reply = await post(client, bob, "replying to carol", in_reply_to_id=root["id"])
    self_reply_root = await post(client, bob, "thread 1/2")
    self_reply = await post(client, bob, "thread 2/2", in_reply_to_id=self_reply_root["id"])
    await drain()
    home = await ids(client, "/api/v1/timelines/home", alice)
    assert reply["id"] not in home
    assert home == [self_reply["id"], self_reply_root["id"]]


async def test_home_needs_a_user_token(client: TestClient) -> None:
    assert (await client.get("/api/v1/timelines/home")).status == 401


# --- pagination ---------------------------------------------------------------------------------


async def test_pagination_and_link_header(client: TestClient, alice: User) -> None:
    tweets = [(await post(client, alice, f"tweet {i}"))["id"] for i in range(5)]
    t0, t1, t2, t3, t4 = tweets
    path = f"/api/v1/accounts/{alice.id}/statuses"

    response = await client.get(f"{path}?limit=2")
    assert [s["id"] for s in await response.json()] == [t4, t3]
    found = links(response.headers["Link"])
    assert set(found) == {"next", "prev"}
    assert found["next"].path == path
    assert found["next"].query["max_id"] == t3
    assert found["next"].query["limit"] == "2"
    assert "min_id" not in found["next"].query
    assert found["prev"].query["min_id"] == t4
    assert "max_id" not in found["prev"].query

    # Following `next` walks to older tweets.
    response = await client.get(found["next"].path_qs)
    assert [s["id"] for s in await response.json()] == [t2, t1]
    following = links(response.headers["Link"])
    assert following["next"].query["max_id"] == t1
    assert following["prev"].query["min_id"] == t2
    response = await client.get(following["next"].path_qs)
    assert [s["id"] for s in await response.json()] == [t0]
    last = links(response.headers["Link"])
    response = await client.get(last["next"].path_qs)
    assert await response.json() == []
    assert "Link" not in response.headers

    # `prev` of the first page: nothing newer.
    assert await ids(client, found["prev"].path_qs) == []

    # since_id: the newest tweets above the bound; min_id: the ones just above it.
    assert await ids(client, f"{path}?since_id={t1}&limit=2") == [t4, t3]
    assert await ids(client, f"{path}?min_id={t1}&limit=2") == [t3, t2]
    assert await ids(client, f"{path}?max_id={t3}&since_id={t0}") == [t2, t1]
    assert await ids(client, f"{path}?min_id={t0}") == [t4, t3, t2, t1]


async def test_home_pagination(client: TestClient, alice: User, bob: User, drain: Drain) -> None:
    await follow(client, alice, bob)
    tweets = [(await post(client, bob, f"tweet {i}"))["id"] for i in range(4)]
    await drain()
    response = await client.get("/api/v1/timelines/home?limit=3", headers=alice.headers)
    assert [s["id"] for s in await response.json()] == tweets[:0:-1]
    found = links(response.headers["Link"])
    assert found["next"].query["max_id"] == tweets[1]
    assert found["prev"].query["min_id"] == tweets[3]
    assert await ids(client, found["next"].path_qs, alice) == [tweets[0]]
    assert await ids(client, f"/api/v1/timelines/home?min_id={tweets[0]}&limit=1", alice) == [
        tweets[1]
    ]


async def test_limit_is_clamped_and_bad_cursors_are_422(client: TestClient, alice: User) -> None:
    for i in range(3):
        await post(client, alice, f"t{i}")
    path = f"/api/v1/accounts/{alice.id}/statuses"
    assert len(await ids(client, f"{path}?limit=0")) == 1
    assert len(await ids(client, f"{path}?limit=1000")) == 3
    for bad in ("max_id=abc", "limit=lots", "since_id=-1"):
        response = await client.get(f"{path}?{bad}")
        assert response.status == 422, bad


async def test_link_header_uses_the_public_base_url(client: TestClient, alice: User) -> None:
    await post(client, alice, "x")
    response = await client.get(f"/api/v1/accounts/{alice.id}/statuses")
    next_url = links(response.headers["Link"])["next"]
    assert next_url.scheme in ("http", "https") and next_url.host


# --- account timeline ---------------------------------------------------------------------------


async def test_account_statuses_filters(client: TestClient, alice: User, bob: User) -> None:
    plain = await post(client, alice, "plain")
    other = await post(client, bob, "bob's")
    reply_to_bob = await post(client, alice, "reply to bob", in_reply_to_id=other["id"])
    self_reply = await post(client, alice, "self reply", in_reply_to_id=plain["id"])
    retweet = await act(client, alice, other["id"], "reblog")
    await act(client, alice, plain["id"], "pin")
    path = f"/api/v1/accounts/{alice.id}/statuses"

    assert await ids(client, path) == [
        retweet["id"],
        self_reply["id"],
        reply_to_bob["id"],
        plain["id"],
    ]
    assert await ids(client, f"{path}?exclude_replies=true") == [
        retweet["id"],
        self_reply["id"],
        plain["id"],
    ]
    assert await ids(client, f"{path}?exclude_reblogs=true") == [
        self_reply["id"],
        reply_to_bob["id"],
        plain["id"],
    ]
    assert await ids(client, f"{path}?exclude_replies=1&exclude_reblogs=1") == [
        self_reply["id"],
        plain["id"],
    ]
    assert await ids(client, f"{path}?pinned=true") == [plain["id"]]
    assert await ids(client, f"{path}?only_media=true") == []
    assert (await client.get("/api/v1/accounts/99999/statuses")).status == 404


async def test_account_statuses_tagged(client: TestClient, alice: User) -> None:
    tagged = await post(client, alice, "about #Python")
    await post(client, alice, "about nothing")
    path = f"/api/v1/accounts/{alice.id}/statuses"
    assert await ids(client, f"{path}?tagged=python") == [tagged["id"]]
    assert await ids(client, f"{path}?tagged=PYTHON") == [tagged["id"]]


# --- public and tags ----------------------------------------------------------------------------


async def test_public_timeline(client: TestClient, alice: User, bob: User) -> None:
    public = await post(client, alice, "public")
    await post(client, alice, "unlisted", visibility="unlisted")
    await post(client, alice, "private", visibility="private")
    await post(client, alice, "direct @bob", visibility="direct")
    reply = await post(client, bob, "reply", in_reply_to_id=public["id"])
    await act(client, bob, public["id"], "reblog")
    found = await ids(client, "/api/v1/timelines/public")
    assert found == [public["id"]]
    assert reply["id"] not in found  # replies to others stay out, as in Mastodon
    assert await ids(client, "/api/v1/timelines/public?local=true") == [public["id"]]
    assert await ids(client, "/api/v1/timelines/public?remote=true") == []
    assert await ids(client, "/api/v1/timelines/public?only_media=true") == []
    assert await ids(client, "/api/v1/timelines/public", bob) == [public["id"]]


async def test_tag_timeline_is_case_insensitive(client: TestClient, alice: User, bob: User) -> None:
    upper = await post(client, alice, "I love #Python")
    lower = await post(client, bob, "me too #python")
    await post(client, bob, "not tagged python")
    await post(client, alice, "hidden #python", visibility="unlisted")
    rust = await post(client, alice, "and #rust")
    for name in ("python", "Python", "PYTHON", "%23python"):
        assert await ids(client, f"/api/v1/timelines/tag/{name}") == [lower["id"], upper["id"]]
    assert await ids(client, "/api/v1/timelines/tag/python?any[]=rust") == [
        rust["id"],
        lower["id"],
        upper["id"],
    ]
    assert await ids(client, "/api/v1/timelines/tag/nothing") == []
    response = await client.get("/api/v1/timelines/tag/python?limit=1")
    assert [s["id"] for s in await response.json()] == [lower["id"]]
    assert links(response.headers["Link"])["next"].query["max_id"] == lower["id"]


# --- ranked home --------------------------------------------------------------------------------


async def test_ranked_home_puts_a_heavily_liked_tweet_first(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    popular = await post(client, bob, "popular")
    newer = [(await post(client, bob, f"newer {i}"))["id"] for i in range(3)]
    fans = [await sign_up(client, username=f"fan{i}") for i in range(8)]
    for fan in fans:
        await act(client, fan, popular["id"], "favourite")
    await drain()
    chronological = await ids(client, "/api/v1/timelines/home", alice)
    assert chronological == [*newer[::-1], popular["id"]]
    ranked = await ids(client, "/api/v1/timelines/home?order=ranked", alice)
    assert ranked[0] == popular["id"]
    assert sorted(ranked) == sorted(chronological)

    response = await client.get(
        "/api/v1/timelines/home?order=ranked&limit=2", headers=alice.headers
    )
    assert [s["id"] for s in await response.json()] == ranked[:2]
    next_url = links(response.headers["Link"])["next"]
    assert next_url.query["offset"] == "2"
    assert await ids(client, next_url.path_qs, alice) == ranked[2:4]

    bad = await client.get("/api/v1/timelines/home?order=random", headers=alice.headers)
    assert bad.status == 422


@pytest.mark.parametrize("order", ["ranked", "chronological"])
async def test_home_links_keep_control_characters_of_the_query_encoded(
    client: TestClient, alice: User, order: str
) -> None:
    # Found by schemathesis: the ranked page's `Link` carried the query decoded, and aiohttp
    # refused to send a header with `\x1f` in it (the connection dropped, no answer at all).
    await post(client, alice, "one")
    await post(client, alice, "two")
    response = await client.get(
        f"/api/v1/timelines/home?order={order}&limit=1&=%1F&x=%0D%0Ay", headers=alice.headers
    )
    assert response.status == 200
    header = response.headers["Link"]
    assert not re.search(r"[\x00-\x1f\x7f]", header)
    next_url = links(header)["next"]
    assert next_url.query["x"] == "\r\ny"
    assert len(await ids(client, next_url.path_qs, alice)) == 1


async def test_ranked_home_shows_a_tweet_and_its_retweets_once(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    tweet = await post(client, bob, "retweeted by carol")
    await act(client, carol, tweet["id"], "reblog")
    await drain()
    ranked = await timeline(client, "/api/v1/timelines/home?order=ranked", alice)
    subjects = [(s["reblog"] or s)["id"] for s in ranked]
    assert subjects == [tweet["id"]]


# --- trends -------------------------------------------------------------------------------------


async def test_trending_tags(client: TestClient, alice: User, bob: User, carol: User) -> None:
    for user in (alice, bob, carol):
        await post(client, user, "talking about #Hot")
    await post(client, alice, "a #lukewarm take")
    await post(client, alice, "a #secret", visibility="private")
    response = await client.get("/api/v1/trends/tags")
    assert response.status == 200
    tags = await response.json()
    names = [t["name"].lower() for t in tags]
    assert names[:2] == ["hot", "lukewarm"]
    assert "secret" not in names
    today = tags[0]["history"][0]
    assert (today["uses"], today["accounts"]) == ("3", "3")
    assert await (await client.get("/api/v1/trends")).json() == tags
    limited = await (await client.get("/api/v1/trends/tags?limit=1&offset=1")).json()
    assert [t["name"].lower() for t in limited] == ["lukewarm"]


async def test_trending_statuses(client: TestClient, alice: User, bob: User, carol: User) -> None:
    quiet = await post(client, alice, "quiet")
    loud = await post(client, alice, "loud")
    private = await post(client, alice, "private", visibility="private")
    for user in (bob, carol):
        await act(client, user, loud["id"], "favourite")
        await act(client, user, loud["id"], "reblog")
    await act(client, bob, quiet["id"], "favourite")
    await follow(client, bob, alice)
    await act(client, bob, private["id"], "favourite")
    found = await ids(client, "/api/v1/trends/statuses")
    assert found == [loud["id"], quiet["id"]]
    assert await ids(client, "/api/v1/trends/statuses?limit=1&offset=1") == [quiet["id"]]


async def test_tag_endpoint(client: TestClient, alice: User) -> None:
    await post(client, alice, "#Python rocks")
    response = await client.get("/api/v1/tags/python")
    assert response.status == 200
    body = await response.json()
    assert body["name"].lower() == "python"
    assert body["url"].endswith("/tags/python")
    assert body["history"][0]["uses"] == "1"
    assert (await client.get("/api/v1/tags/PYTHON")).status == 200
    # A tag nobody has used is shown all the same (issue 20); only a name that could not be a
    # hashtag is not found (tests/handlers/test_tags.py covers both).
    unused = await client.get("/api/v1/tags/NeverUsed")
    assert unused.status == 200
    assert (await unused.json())["history"] == []
    assert (await client.get("/api/v1/tags/never-used")).status == 404
