"""Who may see a tweet, on every read path: private (followers only), direct, unlisted, anonymous.

Cast: alice writes; bob follows alice; carol does not; dave is signed in and unrelated.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from tests.helpers import Drain, User, follow, post, sign_up


def auth(user: User | None) -> dict[str, str]:
    return user.headers if user else {}


async def status_code(client: TestClient, path: str, user: User | None) -> int:
    return (await client.get(path, headers=auth(user))).status


async def ids(client: TestClient, path: str, user: User | None = None) -> list[str]:
    response = await client.get(path, headers=auth(user))
    assert response.status == 200, await response.text()
    return [s["id"] for s in await response.json()]


async def notification_status_ids(client: TestClient, user: User, query: str = "") -> list[str]:
    response = await client.get(f"/api/v1/notifications{query}", headers=user.headers)
    assert response.status == 200
    return [n["status"]["id"] for n in await response.json() if n["status"]]


@pytest.fixture
async def dave(client: TestClient) -> User:
    return await sign_up(client, username="dave")


@pytest.fixture
async def bob_follows_alice(client: TestClient, alice: User, bob: User, drain: Drain) -> None:
    await follow(client, bob, alice)
    await drain()


# --- private ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("bob_follows_alice")
async def test_private_tweet_is_hidden_from_non_followers_everywhere(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    private = await post(client, alice, "secret plans about #zeppelins", visibility="private")
    await drain()
    sid = private["id"]

    # Single reads.
    for path in (
        f"/api/v1/statuses/{sid}",
        f"/api/v1/statuses/{sid}/context",
        f"/api/v1/statuses/{sid}/history",
        f"/api/v1/statuses/{sid}/favourited_by",
        f"/api/v1/statuses/{sid}/reblogged_by",
    ):
        assert await status_code(client, path, carol) == 404, path
        assert await status_code(client, path, None) == 404, path
        assert await status_code(client, path, bob) == 200, path
        assert await status_code(client, path, alice) == 200, path
    assert await status_code(client, f"/api/v1/statuses/{sid}/source", carol) == 404

    # Timelines.
    account_path = f"/api/v1/accounts/{alice.id}/statuses"
    assert await ids(client, account_path, carol) == []
    assert await ids(client, account_path) == []
    assert await ids(client, account_path, bob) == [sid]
    assert await ids(client, account_path, alice) == [sid]
    assert await ids(client, "/api/v1/timelines/home", bob) == [sid]
    assert await ids(client, "/api/v1/timelines/home", carol) == []
    for viewer in (None, carol, bob, alice):
        assert await ids(client, "/api/v1/timelines/public", viewer) == []
        assert await ids(client, "/api/v1/timelines/tag/zeppelins", viewer) == []

    # Search.
    for viewer, expected in ((carol, []), (bob, [sid]), (alice, [sid])):
        response = await client.get(
            "/api/v2/search", params={"q": "secret plans"}, headers=viewer.headers
        )
        assert [s["id"] for s in (await response.json())["statuses"]] == expected
    pasted = await client.get("/api/v2/search", params={"q": private["url"]}, headers=carol.headers)
    assert (await pasted.json())["statuses"] == []


@pytest.mark.usefixtures("bob_follows_alice")
async def test_cannot_act_on_an_invisible_tweet(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    private = await post(client, alice, "followers only", visibility="private")
    sid = private["id"]
    for action in ("favourite", "reblog", "bookmark", "unfavourite", "unreblog", "pin"):
        response = await client.post(f"/api/v1/statuses/{sid}/{action}", headers=carol.headers)
        assert response.status == 404, action
    reply = await client.post(
        "/api/v1/statuses",
        headers=carol.headers,
        json={"status": "replying blind", "in_reply_to_id": sid},
    )
    assert reply.status == 404
    quote = await client.post(
        "/api/v1/statuses", headers=carol.headers, json={"status": "q", "quoted_status_id": sid}
    )
    assert quote.status == 404
    edit = await client.put(f"/api/v1/statuses/{sid}", headers=carol.headers, json={"status": "x"})
    assert edit.status == 404
    delete = await client.delete(f"/api/v1/statuses/{sid}", headers=carol.headers)
    assert delete.status == 404
    shown = await (await client.get(f"/api/v1/statuses/{sid}", headers=alice.headers)).json()
    assert (shown["favourites_count"], shown["reblogs_count"], shown["replies_count"]) == (0, 0, 0)
    assert shown["content"] == "<p>followers only</p>"


@pytest.mark.usefixtures("bob_follows_alice")
async def test_private_tweet_cannot_be_reblogged_even_by_followers(
    client: TestClient, alice: User, bob: User
) -> None:
    private = await post(client, alice, "followers only", visibility="private")
    response = await client.post(f"/api/v1/statuses/{private['id']}/reblog", headers=bob.headers)
    assert response.status == 403
    # ...but a follower can like it.
    liked = await client.post(f"/api/v1/statuses/{private['id']}/favourite", headers=bob.headers)
    assert liked.status == 200
    shown = await (
        await client.get(f"/api/v1/statuses/{private['id']}", headers=bob.headers)
    ).json()
    assert shown["reblogs_count"] == 0 and shown["favourites_count"] == 1
    assert await ids(client, f"/api/v1/accounts/{bob.id}/statuses", bob) == []


@pytest.mark.usefixtures("bob_follows_alice")
async def test_private_reply_is_hidden_from_the_thread(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    root = await post(client, alice, "public root")
    private_reply = await post(
        client, alice, "private follow-up", in_reply_to_id=root["id"], visibility="private"
    )
    public_under_private = await post(
        client, bob, "public reply", in_reply_to_id=private_reply["id"]
    )
    public_reply = await post(client, carol, "carol replies", in_reply_to_id=root["id"])

    async def descendants(viewer: User | None) -> list[str]:
        response = await client.get(f"/api/v1/statuses/{root['id']}/context", headers=auth(viewer))
        assert response.status == 200
        return [s["id"] for s in (await response.json())["descendants"]]

    assert await descendants(bob) == [
        private_reply["id"],
        public_under_private["id"],
        public_reply["id"],
    ]
    # The hidden reply hides its sub-thread too.
    assert await descendants(carol) == [public_reply["id"]]
    assert await descendants(None) == [public_reply["id"]]

    # From below, the private ancestor is left out.
    response = await client.get(
        f"/api/v1/statuses/{public_under_private['id']}/context", headers=carol.headers
    )
    assert response.status == 200
    assert [s["id"] for s in (await response.json())["ancestors"]] == [root["id"]]


async def test_mentioned_non_follower_can_see_a_private_tweet(
    client: TestClient, alice: User, carol: User, dave: User, drain: Drain
) -> None:
    private = await post(client, alice, "psst @carol", visibility="private")
    await drain()
    sid = private["id"]
    assert await status_code(client, f"/api/v1/statuses/{sid}", carol) == 200
    assert await notification_status_ids(client, carol) == [sid]
    assert await ids(client, f"/api/v1/accounts/{alice.id}/statuses", carol) == [sid]
    # Not mentioned, not following: nothing at all.
    assert await status_code(client, f"/api/v1/statuses/{sid}", dave) == 404
    assert await notification_status_ids(client, dave) == []
    assert await ids(client, f"/api/v1/accounts/{alice.id}/statuses", dave) == []
    # The mentioned account may reply (the thread is theirs too) but not retweet.
    reply = await client.post(
        "/api/v1/statuses", headers=carol.headers, json={"status": "ok", "in_reply_to_id": sid}
    )
    assert reply.status == 200
    retweet = await client.post(f"/api/v1/statuses/{sid}/reblog", headers=carol.headers)
    assert retweet.status == 403


async def test_unfollowing_loses_access_to_private_tweets(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    private = await post(client, alice, "for followers", visibility="private")
    await drain()
    await client.post(f"/api/v1/statuses/{private['id']}/bookmark", headers=bob.headers)
    await client.post(f"/api/v1/statuses/{private['id']}/favourite", headers=bob.headers)
    assert await ids(client, "/api/v1/bookmarks", bob) == [private["id"]]

    await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bob.headers)
    await drain()
    assert await status_code(client, f"/api/v1/statuses/{private['id']}", bob) == 404
    assert await ids(client, "/api/v1/timelines/home", bob) == []
    assert await ids(client, "/api/v1/bookmarks", bob) == []
    assert await ids(client, "/api/v1/favourites", bob) == []
    assert await ids(client, f"/api/v1/accounts/{alice.id}/statuses", bob) == []


async def test_notifications_hide_tweets_no_longer_visible(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    # bob follows alice, alice mentions... no: alice's private reply to bob's tweet notifies bob
    # as a mention (bob is mentioned, so he keeps access even after unfollowing).
    await follow(client, bob, alice)
    root = await post(client, bob, "hello")
    reply = await post(client, alice, "hi back", in_reply_to_id=root["id"], visibility="private")
    await drain()
    assert await notification_status_ids(client, bob) == [reply["id"]]
    await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bob.headers)
    await drain()
    assert await notification_status_ids(client, bob) == [reply["id"]]


# --- retweets of and by restricted accounts -----------------------------------------------------


async def test_private_retweet_is_shown_to_the_retweeters_followers_only(
    client: TestClient, alice: User, bob: User, carol: User, dave: User, drain: Drain
) -> None:
    await follow(client, dave, bob)
    tweet = await post(client, alice, "public original")
    response = await client.post(
        f"/api/v1/statuses/{tweet['id']}/reblog",
        headers=bob.headers,
        json={"visibility": "private"},
    )
    assert response.status == 200
    wrapper = await response.json()
    await drain()
    assert await status_code(client, f"/api/v1/statuses/{wrapper['id']}", dave) == 200
    assert await status_code(client, f"/api/v1/statuses/{wrapper['id']}", carol) == 404
    assert await status_code(client, f"/api/v1/statuses/{wrapper['id']}", None) == 404
    assert await ids(client, f"/api/v1/accounts/{bob.id}/statuses", carol) == []
    assert await ids(client, f"/api/v1/accounts/{bob.id}/statuses", dave) == [wrapper["id"]]
    assert await ids(client, "/api/v1/timelines/home", dave) == [wrapper["id"]]


async def test_author_may_retweet_own_private_tweet_for_followers(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    private = await post(client, alice, "self boost", visibility="private")
    response = await client.post(
        f"/api/v1/statuses/{private['id']}/reblog",
        headers=alice.headers,
        json={"visibility": "public"},
    )
    assert response.status == 200
    wrapper = await response.json()
    await drain()
    # A public wrapper must not expose a private original.
    assert await status_code(client, f"/api/v1/statuses/{wrapper['id']}", carol) == 404
    assert await status_code(client, f"/api/v1/statuses/{wrapper['id']}", None) == 404
    assert await ids(client, f"/api/v1/accounts/{alice.id}/statuses", carol) == []
    assert await ids(client, "/api/v1/timelines/public", carol) == []
    assert await status_code(client, f"/api/v1/statuses/{wrapper['id']}", bob) == 200


async def test_quote_of_a_tweet_that_becomes_invisible(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    await follow(client, carol, bob)
    tweet = await post(client, alice, "quotable")
    quote = await post(client, bob, "quoting", quoted_status_id=tweet["id"])
    await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=alice.headers)
    shown = await (
        await client.get(f"/api/v1/statuses/{quote['id']}", headers=carol.headers)
    ).json()
    assert shown["quote"]["quoted_status"] is None
    assert shown["quote"]["state"] == "deleted"


# --- direct -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("bob_follows_alice")
async def test_direct_tweet_is_visible_only_to_mentioned_accounts(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    direct = await post(client, alice, "@carol just between us #hush", visibility="direct")
    await drain()
    sid = direct["id"]
    assert await status_code(client, f"/api/v1/statuses/{sid}", carol) == 200
    assert await status_code(client, f"/api/v1/statuses/{sid}", alice) == 200
    # A follower who is not mentioned cannot see it.
    assert await status_code(client, f"/api/v1/statuses/{sid}", bob) == 404
    assert await status_code(client, f"/api/v1/statuses/{sid}", None) == 404
    assert sid not in await ids(client, "/api/v1/timelines/home", bob)
    assert await ids(client, f"/api/v1/accounts/{alice.id}/statuses", bob) == []
    assert await ids(client, f"/api/v1/accounts/{alice.id}/statuses", carol) == [sid]
    assert await ids(client, "/api/v1/timelines/tag/hush", carol) == []
    # Carol does not follow Alice: the private mention waits among her filtered notifications
    # (Mastodon's default policy), which she may ask for.
    assert await notification_status_ids(client, carol) == []
    assert await notification_status_ids(client, carol, "?include_filtered=true") == [sid]
    assert await notification_status_ids(client, bob, "?include_filtered=true") == []
    response = await client.get("/api/v2/search", params={"q": "between"}, headers=bob.headers)
    assert (await response.json())["statuses"] == []
    for action in ("favourite", "reblog"):
        denied = await client.post(f"/api/v1/statuses/{sid}/{action}", headers=bob.headers)
        assert denied.status == 404
    reblog = await client.post(f"/api/v1/statuses/{sid}/reblog", headers=carol.headers)
    assert reblog.status == 403


# --- unlisted -----------------------------------------------------------------------------------


async def test_unlisted_is_visible_by_id_but_not_listed_publicly(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    unlisted = await post(client, alice, "quietly public #lowkey", visibility="unlisted")
    await drain()
    sid = unlisted["id"]
    for viewer in (None, bob):
        assert await status_code(client, f"/api/v1/statuses/{sid}", viewer) == 200
        assert await ids(client, "/api/v1/timelines/public", viewer) == []
        assert await ids(client, "/api/v1/timelines/tag/lowkey", viewer) == []
        assert await ids(client, f"/api/v1/accounts/{alice.id}/statuses", viewer) == [sid]
    assert await ids(client, "/api/v1/timelines/home", bob) == [sid]
    retweet = await client.post(f"/api/v1/statuses/{sid}/reblog", headers=bob.headers)
    assert retweet.status == 200


# --- anonymous access ---------------------------------------------------------------------------


async def test_anonymous_access_rules(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "hello #world")
    for path in (
        f"/api/v1/statuses/{tweet['id']}",
        f"/api/v1/statuses/{tweet['id']}/context",
        f"/api/v1/statuses/{tweet['id']}/history",
        f"/api/v1/statuses/{tweet['id']}/favourited_by",
        f"/api/v1/accounts/{alice.id}",
        f"/api/v1/accounts/{alice.id}/statuses",
        f"/api/v1/accounts/{alice.id}/followers",
        "/api/v1/timelines/public",
        "/api/v1/timelines/tag/world",
        "/api/v1/trends/tags",
        "/api/v1/trends/statuses",
        "/api/v2/search?q=alice",
    ):
        assert await status_code(client, path, None) == 200, path
    for path in (
        "/api/v1/timelines/home",
        "/api/v1/notifications",
        "/api/v1/bookmarks",
        "/api/v1/favourites",
        f"/api/v1/statuses/{tweet['id']}/source",
        f"/api/v1/accounts/relationships?id[]={alice.id}",
    ):
        assert await status_code(client, path, None) == 401, path
    for path in ("favourite", "reblog", "bookmark", "pin"):
        response = await client.post(f"/api/v1/statuses/{tweet['id']}/{path}")
        assert response.status == 401, path
    assert (await client.delete(f"/api/v1/statuses/{tweet['id']}")).status == 401
    assert (await client.put(f"/api/v1/statuses/{tweet['id']}", json={"status": "x"})).status == 401


async def test_an_invalid_token_is_401_even_on_public_endpoints(
    client: TestClient, alice: User
) -> None:
    tweet = await post(client, alice, "hello")
    bad = {"Authorization": "Bearer not-a-real-token"}
    response = await client.get(f"/api/v1/statuses/{tweet['id']}", headers=bad)
    assert response.status == 401


async def test_app_token_without_user_cannot_post(client: TestClient) -> None:
    from tests.helpers import app_token, register_app

    app = await register_app(client)
    token = await app_token(client, app)
    response = await client.post(
        "/api/v1/statuses", headers={"Authorization": f"Bearer {token}"}, json={"status": "x"}
    )
    assert response.status == 422  # Mastodon: "This method requires an authenticated user"
    public = await client.get(
        "/api/v1/timelines/public", headers={"Authorization": f"Bearer {token}"}
    )
    assert public.status == 200
    assert await public.json() == []


async def test_reblogged_by_does_not_list_private_retweets(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    tweet = await post(client, alice, "public original")
    await client.post(
        f"/api/v1/statuses/{tweet['id']}/reblog",
        headers=bob.headers,
        json={"visibility": "private"},
    )
    await client.post(f"/api/v1/statuses/{tweet['id']}/reblog", headers=carol.headers)
    response = await client.get(f"/api/v1/statuses/{tweet['id']}/reblogged_by")
    assert [a["id"] for a in await response.json()] == [carol.id]


async def test_reblogged_by_fills_its_page_past_private_retweets(
    client: TestClient, alice: User
) -> None:
    tweet = await post(client, alice, "public original")
    public, private = [], []
    for n in range(6):  # oldest first: two public, then four followers-only retweets
        user = await sign_up(client)
        visibility = "public" if n < 2 else "private"
        await client.post(
            f"/api/v1/statuses/{tweet['id']}/reblog",
            headers=user.headers,
            json={"visibility": visibility},
        )
        (public if n < 2 else private).append(user.id)
    url = f"/api/v1/statuses/{tweet['id']}/reblogged_by"
    first = await client.get(url, params={"limit": "1"})
    assert [a["id"] for a in await first.json()] == [public[1]]
    next_url = first.headers["Link"].split(">")[0].lstrip("<")
    following = await client.get(URL(next_url).path_qs)
    assert [a["id"] for a in await following.json()] == [public[0]]
    both = await client.get(url, params={"limit": "2"})
    assert [a["id"] for a in await both.json()] == [public[1], public[0]]
    newer = await client.get(url, params={"limit": "2", "min_id": "0"})
    assert [a["id"] for a in await newer.json()] == [public[1], public[0]]
