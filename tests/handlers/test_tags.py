"""Hashtags through the API: show, follow/unfollow and followed tags (reaching the home feed),
featured tags (CRUD, limits, suggestions, an account's list) and feature/unfeature by name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from tests.helpers import Drain, User, follow, post, sign_up, user_token


async def _ok(response: Any) -> Any:
    assert response.status == 200, await response.text()
    return await response.json()


async def home_ids(client: TestClient, user: User) -> list[str]:
    body = await _ok(await client.get("/api/v1/timelines/home", headers=user.headers))
    return [s["id"] for s in body]


# -- show ------------------------------------------------------------------------------------


async def test_a_tag_nobody_used_is_shown_with_its_normalized_name(
    client: TestClient, alice: User
) -> None:
    body = await _ok(await client.get("/api/v1/tags/%23Caf%C3%A9Society"))
    assert body["name"] == "cafésociety"
    assert body["id"] == "cafésociety"
    assert body["url"].endswith("/tags/caf%C3%A9society")
    assert body["history"] == []
    assert body["following"] is False and body["featuring"] is False
    mine = await _ok(await client.get("/api/v1/tags/CafeSociety", headers=alice.headers))
    assert mine["following"] is False


@pytest.mark.parametrize("name", ["never-used", "1234", "_", "a%20b", "x" * 101])
async def test_a_name_that_cannot_be_a_hashtag_is_not_found(client: TestClient, name: str) -> None:
    response = await client.get(f"/api/v1/tags/{name}")
    assert response.status == 404
    assert await response.json() == {"error": "Record not found"}


async def test_an_invalid_token_is_refused_even_where_none_is_needed(client: TestClient) -> None:
    response = await client.get("/api/v1/tags/chirp", headers={"Authorization": "Bearer nope"})
    assert response.status == 401


# -- follow ------------------------------------------------------------------------------------


async def test_follow_and_unfollow_a_tag(client: TestClient, alice: User, bob: User) -> None:
    await post(client, bob, "#Gardening season")
    body = await _ok(await client.post("/api/v1/tags/gardening/follow", headers=alice.headers))
    assert body["name"] == "Gardening" and body["following"] is True
    assert len(body["history"]) == 7 and body["history"][0]["uses"] == "1"
    again = await _ok(await client.post("/api/v1/tags/GARDENING/follow", headers=alice.headers))
    assert again["following"] is True  # idempotent, as Mastodon since 4.1
    shown = await _ok(await client.get("/api/v1/tags/gardening", headers=alice.headers))
    assert shown["following"] is True
    by_bob = await _ok(await client.get("/api/v1/tags/gardening", headers=bob.headers))
    assert by_bob["following"] is False
    body = await _ok(await client.post("/api/v1/tags/gardening/unfollow", headers=alice.headers))
    assert body["following"] is False
    body = await _ok(await client.post("/api/v1/tags/gardening/unfollow", headers=alice.headers))
    assert body["following"] is False


async def test_following_a_tag_nobody_used(client: TestClient, alice: User) -> None:
    body = await _ok(await client.post("/api/v1/tags/BrandNew/follow", headers=alice.headers))
    assert (body["name"], body["history"], body["following"]) == ("brandnew", [], True)
    listed = await _ok(await client.get("/api/v1/followed_tags", headers=alice.headers))
    assert [t["name"] for t in listed] == ["brandnew"]


async def test_follow_needs_a_user_token_with_write_follows(
    client: TestClient, alice: User
) -> None:
    for verb in ("follow", "unfollow"):
        assert (await client.post(f"/api/v1/tags/chirp/{verb}")).status == 401
        read_only = await user_token(client, alice, "read")
        response = await client.post(f"/api/v1/tags/chirp/{verb}", headers=read_only)
        assert response.status == 403
        scoped = await user_token(client, alice, "write:follows")
        assert (await client.post(f"/api/v1/tags/chirp/{verb}", headers=scoped)).status == 200
    response = await client.post("/api/v1/tags/not-a-tag/follow", headers=alice.headers)
    assert response.status == 404


async def test_followed_tags_are_paged_with_link_headers(client: TestClient, alice: User) -> None:
    for name in ("one", "two", "three"):
        await _ok(await client.post(f"/api/v1/tags/{name}/follow", headers=alice.headers))
    response = await client.get("/api/v1/followed_tags?limit=2", headers=alice.headers)
    first = await _ok(response)
    assert [t["name"] for t in first] == ["three", "two"]
    assert all(t["following"] is True for t in first)
    links = response.headers["Link"]
    assert 'rel="next"' in links and 'rel="prev"' in links
    next_url = URL(links.split(";")[0].strip("<>"))
    assert next_url.query["limit"] == "2"
    rest = await _ok(await client.get(next_url.path_qs, headers=alice.headers))
    assert [t["name"] for t in rest] == ["one"]
    assert "Link" in (await client.get("/api/v1/followed_tags", headers=alice.headers)).headers


async def test_followed_tags_need_read_follows(client: TestClient, alice: User) -> None:
    assert (await client.get("/api/v1/followed_tags")).status == 401
    wrong = await user_token(client, alice, "write:follows")
    assert (await client.get("/api/v1/followed_tags", headers=wrong)).status == 403
    right = await user_token(client, alice, "read:follows")
    assert await _ok(await client.get("/api/v1/followed_tags", headers=right)) == []


# -- followed tags reach the home feed -----------------------------------------------------------


async def test_public_tweets_with_a_followed_tag_reach_the_home_feed(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await _ok(await client.post("/api/v1/tags/cats/follow", headers=alice.headers))
    tagged = await post(client, bob, "look at this #Cats")
    reply = await post(client, bob, "and #cats again", in_reply_to_id=tagged["id"])
    unlisted = await post(client, bob, "quiet #cats", visibility="unlisted")
    private = await post(client, bob, "for followers #cats", visibility="private")
    direct = await post(client, bob, "@carol secret #cats", visibility="direct")
    untagged = await post(client, bob, "no tag here")
    await drain()
    home = await home_ids(client, alice)
    assert home == [reply["id"], tagged["id"]]
    for hidden in (unlisted, private, direct, untagged):
        assert hidden["id"] not in home
    # Retweets of a tagged tweet do not reach the tag's followers again.
    await follow(client, carol, bob)
    await _ok(await client.post(f"/api/v1/statuses/{tagged['id']}/reblog", headers=carol.headers))
    await drain()
    assert await home_ids(client, alice) == [reply["id"], tagged["id"]]


async def test_a_followed_tag_and_a_followed_author_give_one_entry(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    await _ok(await client.post("/api/v1/tags/cats/follow", headers=alice.headers))
    await _ok(await client.post("/api/v1/tags/dogs/follow", headers=alice.headers))
    tweet = await post(client, bob, "#cats and #dogs")
    own = await post(client, alice, "my own #cats")
    await drain()
    assert await home_ids(client, alice) == [own["id"], tweet["id"]]
    assert await home_ids(client, bob) == [tweet["id"]]  # alice's tweet: bob follows nothing


async def test_unfollowing_a_tag_withdraws_its_tweets_and_stops_new_ones(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, alice, carol)
    await _ok(await client.post("/api/v1/tags/cats/follow", headers=alice.headers))
    await _ok(await client.post("/api/v1/tags/dogs/follow", headers=alice.headers))
    brought = await post(client, bob, "#cats one")
    both = await post(client, bob, "#cats and #dogs")
    followed = await post(client, carol, "#cats by carol")
    await drain()
    assert await home_ids(client, alice) == [followed["id"], both["id"], brought["id"]]
    await _ok(await client.post("/api/v1/tags/cats/unfollow", headers=alice.headers))
    await post(client, bob, "#cats two")
    await drain()
    # What only the tag brought leaves; carol's (followed) and the #dogs one (followed tag) stay.
    assert await home_ids(client, alice) == [followed["id"], both["id"]]


# -- featured tags -------------------------------------------------------------------------------


async def test_feature_list_and_unfeature(client: TestClient, alice: User) -> None:
    await post(client, alice, "#Books one")
    await post(client, alice, "#books two", visibility="unlisted")
    await post(client, alice, "#books three", visibility="private")
    featured = await _ok(
        await client.post("/api/v1/featured_tags", headers=alice.headers, json={"name": "#books"})
    )
    assert featured["name"] == "Books"
    assert featured["statuses_count"] == "2"
    assert featured["last_status_at"] == datetime.now(UTC).date().isoformat()
    assert featured["url"].endswith("/@alice/tagged/books")
    assert set(featured) == {"id", "name", "url", "statuses_count", "last_status_at"}
    again = await _ok(
        await client.post("/api/v1/featured_tags", headers=alice.headers, data={"name": "BOOKS"})
    )
    assert again["id"] == featured["id"]  # featuring again is idempotent
    fresh = await _ok(
        await client.post("/api/v1/featured_tags", headers=alice.headers, json={"name": "unused"})
    )
    assert (fresh["statuses_count"], fresh["last_status_at"]) == ("0", None)
    listed = await _ok(await client.get("/api/v1/featured_tags", headers=alice.headers))
    assert [t["id"] for t in listed] == [featured["id"], fresh["id"]]
    tag = await _ok(await client.get("/api/v1/tags/books", headers=alice.headers))
    assert tag["featuring"] is True
    response = await client.delete(f"/api/v1/featured_tags/{featured['id']}", headers=alice.headers)
    assert await _ok(response) == {}
    listed = await _ok(await client.get("/api/v1/featured_tags", headers=alice.headers))
    assert [t["id"] for t in listed] == [fresh["id"]]
    again_gone = await client.delete(
        f"/api/v1/featured_tags/{featured['id']}", headers=alice.headers
    )
    assert again_gone.status == 404


async def test_featuring_refuses_bad_names_and_more_than_ten(
    client: TestClient, alice: User
) -> None:
    for bad in ({"name": "not-a-tag"}, {"name": "123"}, {}, {"name": "x" * 201}):
        response = await client.post("/api/v1/featured_tags", headers=alice.headers, json=bad)
        assert response.status == 422, bad
        assert "error" in await response.json()
    for n in range(10):
        await _ok(
            await client.post(
                "/api/v1/featured_tags", headers=alice.headers, json={"name": f"tag{n}x"}
            )
        )
    response = await client.post(
        "/api/v1/featured_tags", headers=alice.headers, json={"name": "eleventh"}
    )
    assert response.status == 422
    assert "10" in (await response.json())["error"]
    # An already featured one is still answered (nothing new is created).
    await _ok(
        await client.post("/api/v1/featured_tags", headers=alice.headers, json={"name": "tag0x"})
    )
    by_name = await client.post("/api/v1/tags/eleventh/feature", headers=alice.headers)
    assert by_name.status == 422


async def test_someone_elses_featured_tag_is_not_found(
    client: TestClient, alice: User, bob: User
) -> None:
    featured = await _ok(
        await client.post("/api/v1/featured_tags", headers=alice.headers, json={"name": "mine"})
    )
    response = await client.delete(f"/api/v1/featured_tags/{featured['id']}", headers=bob.headers)
    assert response.status == 404
    assert await response.json() == {"error": "Record not found"}
    for unknown in ("123", "abc", str(2**64)):
        response = await client.delete(f"/api/v1/featured_tags/{unknown}", headers=alice.headers)
        assert response.status == 404
    assert len(await _ok(await client.get("/api/v1/featured_tags", headers=alice.headers))) == 1


async def test_featured_tags_need_the_accounts_scopes(client: TestClient, alice: User) -> None:
    assert (await client.get("/api/v1/featured_tags")).status == 401
    assert (await client.get("/api/v1/featured_tags/suggestions")).status == 401
    assert (await client.post("/api/v1/featured_tags", json={"name": "x1"})).status == 401
    assert (await client.delete("/api/v1/featured_tags/1")).status == 401
    assert (await client.post("/api/v1/tags/x1/feature")).status == 401
    writer = await user_token(client, alice, "write:accounts")
    reader = await user_token(client, alice, "read:accounts")
    assert (await client.get("/api/v1/featured_tags", headers=writer)).status == 403
    assert (await client.get("/api/v1/featured_tags/suggestions", headers=writer)).status == 403
    for method, path in (
        ("POST", "/api/v1/featured_tags"),
        ("DELETE", "/api/v1/featured_tags/1"),
        ("POST", "/api/v1/tags/x1/feature"),
        ("POST", "/api/v1/tags/x1/unfeature"),
    ):
        response = await client.request(method, path, headers=reader, json={"name": "x1"})
        assert response.status == 403, path
    assert await _ok(await client.get("/api/v1/featured_tags", headers=reader)) == []
    created = await client.post("/api/v1/featured_tags", headers=writer, json={"name": "x1"})
    assert created.status == 200


async def test_feature_and_unfeature_by_name(client: TestClient, alice: User) -> None:
    body = await _ok(await client.post("/api/v1/tags/Poetry/feature", headers=alice.headers))
    assert body["name"] == "poetry" and body["featuring"] is True and body["following"] is False
    listed = await _ok(await client.get("/api/v1/featured_tags", headers=alice.headers))
    assert [t["name"] for t in listed] == ["Poetry"]
    body = await _ok(await client.post("/api/v1/tags/poetry/unfeature", headers=alice.headers))
    assert body["featuring"] is False
    assert await _ok(await client.get("/api/v1/featured_tags", headers=alice.headers)) == []
    response = await client.post("/api/v1/tags/not-a-tag/feature", headers=alice.headers)
    assert response.status == 404


async def test_suggestions_are_the_most_used_tags_not_featured(
    client: TestClient, alice: User, bob: User
) -> None:
    await post(client, alice, "#cats #dogs")
    await post(client, alice, "#cats")
    await post(client, alice, "#Birds", visibility="private")
    await post(client, alice, "#cats #birds")
    await post(client, bob, "#fish #fish #fish")
    suggested = await _ok(
        await client.get("/api/v1/featured_tags/suggestions", headers=alice.headers)
    )
    assert [t["name"] for t in suggested] == ["cats", "Birds", "dogs"]
    assert len(suggested[0]["history"]) == 7
    await _ok(
        await client.post("/api/v1/featured_tags", headers=alice.headers, json={"name": "cats"})
    )
    suggested = await _ok(
        await client.get("/api/v1/featured_tags/suggestions", headers=alice.headers)
    )
    assert [t["name"] for t in suggested] == ["Birds", "dogs"]
    assert all(t["featuring"] is False for t in suggested)


async def test_an_accounts_featured_tags_are_public(
    client: TestClient, alice: User, bob: User
) -> None:
    await post(client, alice, "#Chess tonight")
    await _ok(
        await client.post("/api/v1/featured_tags", headers=alice.headers, json={"name": "chess"})
    )
    public = await _ok(await client.get(f"/api/v1/accounts/{alice.id}/featured_tags"))
    assert [(t["name"], t["statuses_count"]) for t in public] == [("Chess", "1")]
    seen_by_bob = await _ok(
        await client.get(f"/api/v1/accounts/{alice.id}/featured_tags", headers=bob.headers)
    )
    assert seen_by_bob == public
    assert await _ok(await client.get(f"/api/v1/accounts/{bob.id}/featured_tags")) == []
    for unknown in ("123", "abc"):
        response = await client.get(f"/api/v1/accounts/{unknown}/featured_tags")
        assert response.status == 404


async def test_a_new_user_token_sees_its_own_flags_only(client: TestClient, alice: User) -> None:
    carol = await sign_up(client, username="carol2")
    await _ok(await client.post("/api/v1/tags/knitting/follow", headers=alice.headers))
    await _ok(await client.post("/api/v1/tags/knitting/feature", headers=alice.headers))
    mine = await _ok(await client.get("/api/v1/tags/knitting", headers=alice.headers))
    theirs = await _ok(await client.get("/api/v1/tags/knitting", headers=carol.headers))
    assert (mine["following"], mine["featuring"]) == (True, True)
    assert (theirs["following"], theirs["featuring"]) == (False, False)
    listed = await _ok(await client.get("/api/v1/followed_tags", headers=alice.headers))
    assert (listed[0]["following"], listed[0]["featuring"]) == (True, True)


async def test_search_and_trends_show_the_viewers_flags(
    client: TestClient, alice: User, bob: User
) -> None:
    await post(client, bob, "#Pottery wheel")
    await _ok(
        await client.post(
            f"/api/v1/statuses/{(await post(client, bob, '#pottery'))['id']}/favourite",
            headers=alice.headers,
        )
    )
    await _ok(await client.post("/api/v1/tags/pottery/follow", headers=alice.headers))
    await _ok(await client.post("/api/v1/tags/pottery/feature", headers=alice.headers))
    found = await _ok(
        await client.get("/api/v2/search?q=%23pott&type=hashtags", headers=alice.headers)
    )
    (tag,) = found["hashtags"]
    assert (tag["name"], tag["following"], tag["featuring"]) == ("Pottery", True, True)
    assert len(tag["history"]) == 7 and tag["history"][0]["uses"] == "2"
    theirs = await _ok(
        await client.get("/api/v2/search?q=%23pott&type=hashtags", headers=bob.headers)
    )
    assert theirs["hashtags"][0]["following"] is False
    trending = await _ok(await client.get("/api/v1/trends/tags", headers=alice.headers))
    assert [(t["name"], t["following"]) for t in trending] == [("Pottery", True)]
    anonymous = await _ok(await client.get("/api/v1/trends/tags"))
    assert [(t["name"], t["following"]) for t in anonymous] == [("Pottery", False)]
