"""`GET /api/v1/timelines/link?url=`: public tweets Chirp knows that link to a page."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp.test_utils import TestClient
from yarl import URL

from tests.helpers import User, act, post

STORY = "https://news.example.com/2026/story?id=7"


async def _page(client: TestClient, query: str, headers: dict[str, str] | None = None) -> list[str]:
    response = await client.get(f"/api/v1/timelines/link?{query}", headers=headers)
    assert response.status == 200, await response.text()
    return [s["id"] for s in await response.json()]


async def test_public_tweets_linking_to_the_url_newest_first(
    client: TestClient, alice: User, bob: User
) -> None:
    first = await post(client, alice, f"read this {STORY}")
    second = await post(client, bob, "same page: HTTPS://News.Example.com:443/2026/story?id=7#top")
    await post(client, alice, f"quiet {STORY}", visibility="unlisted")
    await post(client, alice, f"friends {STORY}", visibility="private")
    await post(client, alice, "another https://news.example.com/2026/story?id=8")
    await act(client, bob, first["id"], "reblog")
    assert await _page(client, f"url={quote(STORY)}") == [second["id"], first["id"]]
    assert await _page(client, f"url={quote(STORY)}", alice.headers) == [second["id"], first["id"]]


async def test_paged_with_link_headers(client: TestClient, alice: User) -> None:
    tweets = [await post(client, alice, f"{n} {STORY}") for n in range(3)]
    response = await client.get(f"/api/v1/timelines/link?url={quote(STORY)}&limit=2")
    assert [s["id"] for s in await response.json()] == [tweets[2]["id"], tweets[1]["id"]]
    next_url = URL(response.headers["Link"].split(";")[0].strip("<>"))
    assert next_url.query["url"] == STORY
    assert await _page(client, next_url.query_string) == [tweets[0]["id"]]


async def test_edits_and_deletes_change_what_links_where(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, f"see {STORY}")
    other = "https://elsewhere.example/"
    response = await client.put(
        f"/api/v1/statuses/{tweet['id']}", headers=alice.headers, json={"status": f"see {other}"}
    )
    assert response.status == 200
    assert await _page(client, f"url={quote(STORY)}") == []
    assert await _page(client, f"url={quote(other)}") == [tweet["id"]]
    assert (await client.delete(f"/api/v1/statuses/{tweet['id']}", headers=alice.headers)).ok
    assert await _page(client, f"url={quote(other)}") == []


async def test_undiscoverable_authors_are_left_out(
    client: TestClient, alice: User, bob: User
) -> None:
    await post(client, alice, f"mine {STORY}")
    theirs = await post(client, bob, f"theirs {STORY}")
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, json={"discoverable": False}
    )
    assert response.status == 200, await response.text()
    assert await _page(client, f"url={quote(STORY)}") == [theirs["id"]]


async def test_an_unknown_url_is_an_empty_list_and_a_bad_one_a_422(client: TestClient) -> None:
    assert await _page(client, f"url={quote('https://nobody.example/linked')}") == []
    for query in (
        "",
        "url=",
        "url=notaurl",
        "url=ftp://files.example/x",
        "url=https://",
        "url=https://host:99999/",
    ):
        response = await client.get(f"/api/v1/timelines/link?{query}")
        assert response.status == 422, query
        assert "error" in await response.json()
    response = await client.get(
        f"/api/v1/timelines/link?url={quote(STORY)}", headers={"Authorization": "Bearer nope"}
    )
    assert response.status == 401
