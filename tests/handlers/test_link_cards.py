"""Link preview cards through the API: a tweet's first link read after the write (its page's
OpenGraph and oEmbed metadata, its picture resized and stored), `card` in status JSON, a
`status.update` on the stream when it arrives, `/api/v1/trends/links` and the link timeline
from the cards Chirp knows; a link to a private address gets no card and no request.

The web here is local: a `StubResolver` names the page servers and `as_public` lets one
loopback address play the public internet (see `tests.cards.sites`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.cards.fetcher import LinkCardFetcher
from chirp.cards.guarded import GuardedClient
from chirp.core.cards import CardQueue
from chirp.server.keys import CONTEXT, DISPATCHER
from tests.cards.sites import Site, StubResolver, as_public, site
from tests.helpers import Drain, User, post
from tests.media import samples
from tests.media.conftest import local_path
from tests.realtime.test_streaming_api import frames

PUBLIC, PRIVATE = "127.0.0.2", "127.0.0.1"

ARTICLE = """<!doctype html><html lang="en-GB"><head>
<title>Fallback title</title>
<meta property="og:title" content="Moon landing, again">
<meta property="og:description" content="A crew walked on the moon today.">
<meta property="og:image" content="/pic.jpg">
<meta property="og:site_name" content="Daily News">
<meta property="article:published_time" content="2026-01-02T03:04:05Z">
<link rel="alternate" type="application/json+oembed" href="/oembed.json">
</head><body>text</body></html>"""

OEMBED = {
    "type": "video",
    "author_name": "Reporter",
    "author_url": "https://news.example/reporter",
    "provider_name": "Daily News",
    "html": '<iframe src="https://news.example/embed/1" width="640" height="360"></iframe>'
    "<script>alert(1)</script>",
    "width": 640,
    "height": 360,
}


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path / "data", "media_workers": 1}


@pytest.fixture
async def web_sites() -> AsyncIterator[tuple[Site, Site]]:
    def article(request: web.Request) -> web.Response:
        return web.Response(text=ARTICLE, content_type="text/html")

    def picture(request: web.Request) -> web.Response:
        return web.Response(body=samples.photo(800, 400), content_type="image/jpeg")

    def oembed(request: web.Request) -> web.Response:
        return web.json_response(OEMBED)

    routes = {"/article": article, "/pic.jpg": picture, "/oembed.json": oembed}
    async with site(PUBLIC, routes) as public, site(PRIVATE, {"/article": article}) as private:
        yield public, private


@pytest.fixture
async def fetcher(
    client: TestClient, app: web.Application, web_sites: tuple[Site, Site]
) -> AsyncIterator[GuardedClient]:
    resolver = StubResolver({"news.test": [PUBLIC], "intranet.test": [PRIVATE]})
    guarded = GuardedClient("Chirp/test", resolver=resolver, allowed=as_public(PUBLIC))
    context = app[CONTEXT]
    context.card_fetcher = LinkCardFetcher(
        guarded, context.settings, context.blobs, context.media_workers
    )
    context.card_queue = CardQueue(context)
    yield guarded
    await context.card_queue.close()
    await guarded.close()


@pytest.fixture
def drain(app: web.Application) -> Drain:
    """The outbox's side effects, then the card fetches they started."""

    async def run() -> None:
        await app[DISPATCHER].drain()
        queue = app[CONTEXT].card_queue
        if queue is not None:
            await queue.wait_idle()

    return run


async def test_a_tweet_gets_the_card_of_its_first_link(
    client: TestClient,
    app: web.Application,
    alice: User,
    drain: Drain,
    web_sites: tuple[Site, Site],
    fetcher: GuardedClient,
) -> None:
    public, _ = web_sites
    link = public.url("/article", host="news.test")
    async with client.ws_connect(f"/api/v1/streaming?stream=user&access_token={alice.token}") as ws:
        await asyncio.sleep(0.05)
        tweet = await post(client, alice, f"look {link} and https://other.example/")
        assert tweet["card"] is None  # read after the write, not during it
        await drain()
        got = [orjson.loads(f["payload"]) for f in await frames(ws, 2) if f["event"]]
    events = [(f["id"], f.get("card") is not None) for f in got]
    assert events == [(tweet["id"], False), (tweet["id"], True)]  # update, then status.update
    shown = await (await client.get(f"/api/v1/statuses/{tweet['id']}")).json()
    card = shown["card"]
    assert card["url"] == link
    assert (card["title"], card["description"]) == (
        "Moon landing, again",
        "A crew walked on the moon today.",
    )
    assert (card["type"], card["provider_name"], card["author_name"]) == (
        "video",
        "Daily News",
        "Reporter",
    )
    assert card["html"] == (
        '<iframe allowfullscreen="" frameborder="0" height="360"'
        ' src="https://news.example/embed/1" width="640"></iframe>'
    )
    assert card["language"] == "en"
    assert card["published_at"] == "2026-01-02T03:04:05.000Z"
    assert card["blurhash"]
    assert 0 < card["width"] <= 640 and card["height"] > 0  # resized by the media pipeline
    picture = await client.get(local_path(card["image"]))
    assert picture.status == 200
    assert picture.content_type.startswith("image/")
    assert {r.headers["User-Agent"] for r in public.requests} == {"Chirp/test"}
    # Trending links and the link timeline come from what Chirp knows.
    trends = await (await client.get("/api/v1/trends/links")).json()
    assert [t["url"] for t in trends] == [link]
    assert trends[0]["history"][0]["uses"] == "1"
    timeline = await client.get("/api/v1/timelines/link", params={"url": link})
    assert [s["id"] for s in await timeline.json()] == [tweet["id"]]
    # The page is read once: another tweet with the link shows the card at once after drain.
    requests = len(public.requests)
    again = await post(client, alice, f"again {link}")
    await drain()
    assert len(public.requests) == requests
    assert (await (await client.get(f"/api/v1/statuses/{again['id']}")).json())["card"] == card


async def test_links_to_private_addresses_get_no_card_and_no_request(
    client: TestClient,
    alice: User,
    drain: Drain,
    web_sites: tuple[Site, Site],
    fetcher: GuardedClient,
) -> None:
    _, private = web_sites
    port = private.server.port
    for url in (
        f"http://intranet.test:{port}/article",
        f"http://127.0.0.1:{port}/article",
        f"http://[::ffff:127.0.0.1]:{port}/article",
    ):
        tweet = await post(client, alice, f"see {url}")
        await drain()
        shown = await (await client.get(f"/api/v1/statuses/{tweet['id']}")).json()
        assert shown["card"] is None
    assert private.requests == []
    assert await (await client.get("/api/v1/trends/links")).json() == []


async def test_a_slow_page_does_not_hold_back_the_outbox(
    client: TestClient, app: web.Application, alice: User, bob: User, fetcher: GuardedClient
) -> None:
    """The card is read beside the dispatcher: the tweet's other side effects (here bob's
    mention notification) are done while the page has not answered yet."""
    release = asyncio.Event()

    async def stalled(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text=ARTICLE, content_type="text/html")

    async with site(PUBLIC, {"/stalled": stalled}) as slow:
        link = slow.url("/stalled", host="news.test")
        tweet = await post(client, alice, f"@bob look {link}")
        await app[DISPATCHER].drain()
        notes = await (await client.get("/api/v1/notifications", headers=bob.headers)).json()
        assert [n["status"]["id"] for n in notes] == [tweet["id"]]
        async with asyncio.timeout(5):
            while not slow.requests:  # asked, and waiting for the answer
                await asyncio.sleep(0.02)
        assert (await (await client.get(f"/api/v1/statuses/{tweet['id']}")).json())["card"] is None
        release.set()
        queue = app[CONTEXT].card_queue
        assert queue is not None
        await queue.wait_idle()
    shown = await (await client.get(f"/api/v1/statuses/{tweet['id']}")).json()
    assert shown["card"]["title"] == "Moon landing, again"
