"""Likes, retweets, bookmarks and pins: per-viewer flags, engaged-account lists, exact counters."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import User, act, post, sign_up


async def show(client: TestClient, user: User | None, status_id: str) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/statuses/{status_id}", headers=user.headers if user else {}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def users(client: TestClient, n: int, prefix: str) -> list[User]:
    return [await sign_up(client, username=f"{prefix}{i}") for i in range(n)]


# --- favourites ---------------------------------------------------------------------------------


async def test_favourite_and_unfavourite(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, alice, "like me")
    liked = await act(client, bob, tweet["id"], "favourite")
    assert liked["id"] == tweet["id"]
    assert liked["favourited"] is True
    assert liked["favourites_count"] == 1

    assert (await show(client, bob, tweet["id"]))["favourited"] is True
    # Another viewer sees the count but not the flag.
    as_alice = await show(client, alice, tweet["id"])
    assert as_alice["favourited"] is False and as_alice["favourites_count"] == 1
    anonymous = await show(client, None, tweet["id"])
    assert anonymous["favourited"] is False and anonymous["favourites_count"] == 1

    again = await act(client, bob, tweet["id"], "favourite")  # idempotent
    assert again["favourites_count"] == 1

    unliked = await act(client, bob, tweet["id"], "unfavourite")
    assert unliked["favourited"] is False
    assert unliked["favourites_count"] == 0
    again = await act(client, bob, tweet["id"], "unfavourite")
    assert again["favourites_count"] == 0


async def test_favourites_list(client: TestClient, alice: User, bob: User) -> None:
    first = await post(client, alice, "first")
    second = await post(client, alice, "second")
    await act(client, bob, second["id"], "favourite")
    await act(client, bob, first["id"], "favourite")
    response = await client.get("/api/v1/favourites", headers=bob.headers)
    assert [s["id"] for s in await response.json()] == [first["id"], second["id"]]
    assert (await client.get("/api/v1/favourites", headers=alice.headers)).status == 200
    assert await (await client.get("/api/v1/favourites", headers=alice.headers)).json() == []
    assert (await client.get("/api/v1/favourites")).status == 401


async def test_favourited_by(client: TestClient, alice: User, bob: User, carol: User) -> None:
    tweet = await post(client, alice, "popular")
    await act(client, bob, tweet["id"], "favourite")
    await act(client, carol, tweet["id"], "favourite")
    response = await client.get(f"/api/v1/statuses/{tweet['id']}/favourited_by")
    assert response.status == 200
    assert [a["id"] for a in await response.json()] == [carol.id, bob.id]
    page = await client.get(f"/api/v1/statuses/{tweet['id']}/favourited_by?limit=1")
    assert [a["id"] for a in await page.json()] == [carol.id]
    assert 'rel="next"' in page.headers["Link"]
    missing = await client.get("/api/v1/statuses/123/favourited_by")
    assert missing.status == 404


async def test_favourite_unknown_status_is_404(client: TestClient, alice: User) -> None:
    response = await client.post("/api/v1/statuses/123456/favourite", headers=alice.headers)
    assert response.status == 404


async def test_favourite_needs_authentication(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "x")
    response = await client.post(f"/api/v1/statuses/{tweet['id']}/favourite")
    assert response.status == 401
    assert (await show(client, alice, tweet["id"]))["favourites_count"] == 0


async def test_twenty_concurrent_likes_are_counted_exactly(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "going viral")
    likers = await users(client, 20, "liker")
    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/statuses/{tweet['id']}/favourite", headers=u.headers)
            for u in likers
        )
    )
    assert [r.status for r in responses] == [200] * 20
    assert (await show(client, alice, tweet["id"]))["favourites_count"] == 20
    by = await client.get(f"/api/v1/statuses/{tweet['id']}/favourited_by?limit=80")
    assert {a["id"] for a in await by.json()} == {u.id for u in likers}

    # And concurrent unlikes bring it back to exactly zero.
    await asyncio.gather(
        *(
            client.post(f"/api/v1/statuses/{tweet['id']}/unfavourite", headers=u.headers)
            for u in likers
        )
    )
    assert (await show(client, alice, tweet["id"]))["favourites_count"] == 0


async def test_one_user_liking_twice_concurrently_counts_once(
    client: TestClient, alice: User, bob: User
) -> None:
    tweet = await post(client, alice, "double tap")
    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/statuses/{tweet['id']}/favourite", headers=bob.headers)
            for _ in range(5)
        )
    )
    assert [r.status for r in responses] == [200] * 5
    assert (await show(client, alice, tweet["id"]))["favourites_count"] == 1
    by = await client.get(f"/api/v1/statuses/{tweet['id']}/favourited_by")
    assert [a["id"] for a in await by.json()] == [bob.id]


# --- retweets -----------------------------------------------------------------------------------


async def test_reblog_wraps_the_original(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, alice, "retweet me")
    wrapper = await act(client, bob, tweet["id"], "reblog")
    assert wrapper["id"] != tweet["id"]
    assert wrapper["account"]["id"] == bob.id
    assert wrapper["reblog"]["id"] == tweet["id"]
    assert wrapper["reblog"]["account"]["id"] == alice.id
    assert wrapper["reblog"]["reblogged"] is True
    assert wrapper["reblog"]["reblogs_count"] == 1
    assert wrapper["content"] == ""

    as_bob = await show(client, bob, tweet["id"])
    assert as_bob["reblogged"] is True and as_bob["reblogs_count"] == 1
    as_carol_view = await show(client, alice, tweet["id"])
    assert as_carol_view["reblogged"] is False

    # The wrapper itself can be fetched and resolves to the original.
    fetched = await show(client, None, wrapper["id"])
    assert fetched["reblog"]["id"] == tweet["id"]

    # Retweeting again returns the same retweet.
    again = await act(client, bob, tweet["id"], "reblog")
    assert again["id"] == wrapper["id"]
    assert (await show(client, bob, tweet["id"]))["reblogs_count"] == 1

    # Retweeting the retweet retweets the original.
    carol = await sign_up(client, username="carol")
    via_wrapper = await act(client, carol, wrapper["id"], "reblog")
    assert via_wrapper["reblog"]["id"] == tweet["id"]
    assert (await show(client, None, tweet["id"]))["reblogs_count"] == 2


async def test_unreblog(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, alice, "retweet me")
    wrapper = await act(client, bob, tweet["id"], "reblog")
    original = await act(client, bob, tweet["id"], "unreblog")
    assert original["id"] == tweet["id"]
    assert original["reblogged"] is False
    assert original["reblogs_count"] == 0
    missing = await client.get(f"/api/v1/statuses/{wrapper['id']}")
    assert missing.status == 404
    again = await act(client, bob, tweet["id"], "unreblog")  # idempotent
    assert again["reblogs_count"] == 0
    timeline = await client.get(f"/api/v1/accounts/{bob.id}/statuses")
    assert await timeline.json() == []


async def test_reblogged_by(client: TestClient, alice: User, bob: User, carol: User) -> None:
    tweet = await post(client, alice, "x")
    await act(client, bob, tweet["id"], "reblog")
    await act(client, carol, tweet["id"], "reblog")
    response = await client.get(f"/api/v1/statuses/{tweet['id']}/reblogged_by")
    assert [a["id"] for a in await response.json()] == [carol.id, bob.id]


async def test_reblog_visibility(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, alice, "x")
    response = await client.post(
        f"/api/v1/statuses/{tweet['id']}/reblog",
        headers=bob.headers,
        json={"visibility": "unlisted"},
    )
    assert response.status == 200
    assert (await response.json())["visibility"] == "unlisted"
    other = await post(client, alice, "y")
    bad = await client.post(
        f"/api/v1/statuses/{other['id']}/reblog", headers=bob.headers, json={"visibility": "direct"}
    )
    assert bad.status == 422
    assert (await show(client, None, other["id"]))["reblogs_count"] == 0


async def test_twenty_concurrent_reblogs_are_counted_exactly(
    client: TestClient, alice: User, bob: User
) -> None:
    tweet = await post(client, alice, "spread me")
    rebloggers = await users(client, 20, "rebl")
    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/statuses/{tweet['id']}/reblog", headers=u.headers)
            for u in rebloggers
        )
    )
    assert [r.status for r in responses] == [200] * 20
    assert (await show(client, None, tweet["id"]))["reblogs_count"] == 20

    twice = await asyncio.gather(
        *(
            client.post(f"/api/v1/statuses/{tweet['id']}/reblog", headers=bob.headers)
            for _ in range(5)
        )
    )
    assert [r.status for r in twice] == [200] * 5
    assert len({(await r.json())["id"] for r in twice}) == 1
    assert (await show(client, None, tweet["id"]))["reblogs_count"] == 21

    await asyncio.gather(
        *(
            client.post(f"/api/v1/statuses/{tweet['id']}/unreblog", headers=u.headers)
            for u in [*rebloggers, bob]
        )
    )
    assert (await show(client, None, tweet["id"]))["reblogs_count"] == 0


async def test_quotes_count(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "quote me")
    quoters = await users(client, 5, "quoter")
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/statuses",
                headers=u.headers,
                json={"status": "so true", "quoted_status_id": tweet["id"]},
            )
            for u in quoters
        )
    )
    assert [r.status for r in responses] == [200] * 5
    assert (await show(client, None, tweet["id"]))["quotes_count"] == 5
    one = await responses[0].json()
    await client.delete(f"/api/v1/statuses/{one['id']}", headers=quoters[0].headers)
    assert (await show(client, None, tweet["id"]))["quotes_count"] == 4


async def test_replies_count_under_concurrency(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "discuss")
    repliers = await users(client, 10, "replier")
    await asyncio.gather(
        *(
            client.post(
                "/api/v1/statuses",
                headers=u.headers,
                json={"status": "reply", "in_reply_to_id": tweet["id"]},
            )
            for u in repliers
        )
    )
    assert (await show(client, None, tweet["id"]))["replies_count"] == 10


# --- bookmarks ----------------------------------------------------------------------------------


async def test_bookmarks(client: TestClient, alice: User, bob: User) -> None:
    first = await post(client, alice, "first")
    second = await post(client, alice, "second")
    marked = await act(client, bob, first["id"], "bookmark")
    assert marked["bookmarked"] is True
    await act(client, bob, second["id"], "bookmark")
    await act(client, bob, second["id"], "bookmark")  # idempotent
    assert (await show(client, bob, first["id"]))["bookmarked"] is True
    assert (await show(client, alice, first["id"]))["bookmarked"] is False

    listed = await (await client.get("/api/v1/bookmarks", headers=bob.headers)).json()
    assert [s["id"] for s in listed] == [second["id"], first["id"]]
    assert all(s["bookmarked"] for s in listed)
    assert await (await client.get("/api/v1/bookmarks", headers=alice.headers)).json() == []

    page = await client.get("/api/v1/bookmarks?limit=1", headers=bob.headers)
    assert [s["id"] for s in await page.json()] == [second["id"]]
    assert 'rel="next"' in page.headers["Link"]

    unmarked = await act(client, bob, first["id"], "unbookmark")
    assert unmarked["bookmarked"] is False
    listed = await (await client.get("/api/v1/bookmarks", headers=bob.headers)).json()
    assert [s["id"] for s in listed] == [second["id"]]
    assert (await client.get("/api/v1/bookmarks")).status == 401


async def test_bookmarks_drop_deleted_tweets(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, alice, "short lived")
    await act(client, bob, tweet["id"], "bookmark")
    await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=alice.headers)
    assert await (await client.get("/api/v1/bookmarks", headers=bob.headers)).json() == []


# --- pins ---------------------------------------------------------------------------------------


async def test_pin_and_unpin(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, alice, "pinned")
    other = await post(client, alice, "not pinned")
    pinned = await act(client, alice, tweet["id"], "pin")
    assert pinned["pinned"] is True
    assert (await show(client, alice, tweet["id"]))["pinned"] is True
    assert (await show(client, alice, other["id"]))["pinned"] is False
    listed = await client.get(f"/api/v1/accounts/{alice.id}/statuses?pinned=true")
    assert [s["id"] for s in await listed.json()] == [tweet["id"]]

    unpinned = await act(client, alice, tweet["id"], "unpin")
    assert unpinned["pinned"] is False
    listed = await client.get(f"/api/v1/accounts/{alice.id}/statuses?pinned=true")
    assert await listed.json() == []


async def test_cannot_pin_someone_elses_tweet(client: TestClient, alice: User, bob: User) -> None:
    tweet = await post(client, alice, "mine")
    response = await client.post(f"/api/v1/statuses/{tweet['id']}/pin", headers=bob.headers)
    assert response.status == 422
    listed = await client.get(f"/api/v1/accounts/{bob.id}/statuses?pinned=true")
    assert await listed.json() == []


async def test_cannot_pin_a_direct_tweet_or_more_than_five(client: TestClient, alice: User) -> None:
    direct = await post(client, alice, "secret", visibility="direct")
    response = await client.post(f"/api/v1/statuses/{direct['id']}/pin", headers=alice.headers)
    assert response.status == 422
    tweets = [await post(client, alice, f"tweet {i}") for i in range(6)]
    for tweet in tweets[:5]:
        await act(client, alice, tweet["id"], "pin")
    response = await client.post(f"/api/v1/statuses/{tweets[5]['id']}/pin", headers=alice.headers)
    assert response.status == 422
    listed = await client.get(f"/api/v1/accounts/{alice.id}/statuses?pinned=true")
    assert len(await listed.json()) == 5


# --- acting through a retweet, and races -------------------------------------------------------


async def test_actions_on_a_retweet_apply_to_the_original(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    tweet = await post(client, alice, "original")
    wrapper = await act(client, bob, tweet["id"], "reblog")
    liked = await act(client, carol, wrapper["id"], "favourite")
    assert liked["id"] == tweet["id"] and liked["favourites_count"] == 1
    marked = await act(client, carol, wrapper["id"], "bookmark")
    assert marked["id"] == tweet["id"]
    listed = await (await client.get("/api/v1/bookmarks", headers=carol.headers)).json()
    assert [s["id"] for s in listed] == [tweet["id"]]
    by = await client.get(f"/api/v1/statuses/{wrapper['id']}/favourited_by")
    assert [a["id"] for a in await by.json()] == [carol.id]
    # The wrapper, seen by carol, reports her like on the original it carries.
    seen = await show(client, carol, wrapper["id"])
    assert seen["reblog"]["favourited"] is True


async def test_deleting_a_retweet_by_id_unretweets(
    client: TestClient, alice: User, bob: User
) -> None:
    tweet = await post(client, alice, "original")
    wrapper = await act(client, bob, tweet["id"], "reblog")
    response = await client.delete(f"/api/v1/statuses/{wrapper['id']}", headers=bob.headers)
    assert response.status == 200
    original = await show(client, bob, tweet["id"])
    assert original["reblogs_count"] == 0 and original["reblogged"] is False
    # alice cannot delete bob's retweet of her tweet.
    wrapper = await act(client, bob, tweet["id"], "reblog")
    denied = await client.delete(f"/api/v1/statuses/{wrapper['id']}", headers=alice.headers)
    assert denied.status == 403
    assert (await show(client, None, tweet["id"]))["reblogs_count"] == 1


async def test_interleaved_like_and_unlike_leave_a_consistent_count(
    client: TestClient, alice: User, bob: User
) -> None:
    tweet = await post(client, alice, "flip flop")
    await asyncio.gather(
        *(
            client.post(
                f"/api/v1/statuses/{tweet['id']}/{'favourite' if i % 2 else 'unfavourite'}",
                headers=bob.headers,
            )
            for i in range(12)
        )
    )
    final = await show(client, bob, tweet["id"])
    assert final["favourites_count"] == (1 if final["favourited"] else 0)


async def test_liking_while_the_tweet_is_deleted_never_fails_with_500(
    client: TestClient, alice: User
) -> None:
    tweet = await post(client, alice, "going away")
    likers = await users(client, 6, "racer")
    responses = await asyncio.gather(
        client.delete(f"/api/v1/statuses/{tweet['id']}", headers=alice.headers),
        *(
            client.post(f"/api/v1/statuses/{tweet['id']}/{action}", headers=u.headers)
            for u in likers
            for action in ("favourite", "reblog", "bookmark")
        ),
    )
    assert responses[0].status == 200
    assert {r.status for r in responses[1:]} <= {200, 404}
    assert (await client.get(f"/api/v1/statuses/{tweet['id']}")).status == 404
    for u in likers:
        timeline = await client.get(f"/api/v1/accounts/{u.id}/statuses")
        assert await timeline.json() == []
        assert await (await client.get("/api/v1/bookmarks", headers=u.headers)).json() == []
