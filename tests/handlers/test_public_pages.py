"""The public HTML pages (`/`, `/@user`, `/@user/:id`, `/tags/:name`, `/users/...`): what they
show an anonymous visitor, what they hide exactly as the API does, their link-preview meta
(escaped), their headers, and that every `url` the API hands out leads to one of them."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.handlers import public_html, public_pages
from chirp.server.keys import LIVE_HOOKS
from tests.helpers import Drain, User, act, follow, make_settings, post, sign_up
from tests.media.conftest import upload, wait_processed
from tests.media.samples import photo

HOSTILE = "\"><script>alert(1)</script>'&"  # 29 characters: a display name fits


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {
        "data_dir": tmp_path / "data",
        "media_workers": 1,
        "public_url": "https://chirp.example",
        "instance_title": 'Chirp <&> "Town"',
        "instance_description": "A place for <b>birds</b> & 'friends'",
    }


class Page(HTMLParser):
    """A parsed page: its meta tags, links, text, and the attributes of every element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.elements.append((tag, values))
        if tag == "meta" and "content" in values:
            self.meta[values.get("property") or values.get("name") or ""] = values["content"]
        if tag == "link":
            key = values.get("rel", "")
            if values.get("type"):
                key += " " + values["type"]
            self.links[key] = values.get("href", "")
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.text_parts)

    def hrefs(self) -> list[str]:
        return [a["href"] for tag, a in self.elements if tag == "a" and "href" in a]


async def page(client: TestClient, path: str, status: int = 200) -> tuple[Page, str]:
    response = await client.get(path)
    html = await response.text()
    assert response.status == status, html
    assert response.content_type == "text/html"
    return Page(html), html


def local(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "https://chirp.example", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def no_script(html: str) -> None:
    assert "<script" not in html.lower()
    assert "alert(1)</script>" not in html


async def set_profile(client: TestClient, user: User, **fields: Any) -> dict[str, Any]:
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=user.headers, json=fields
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def delete(client: TestClient, user: User, status_id: str) -> None:
    response = await client.delete(f"/api/v1/statuses/{status_id}", headers=user.headers)
    assert response.status == 200, await response.text()


def policy(header: str) -> dict[str, list[str]]:
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


# -- the front page ----------------------------------------------------------------------------


async def test_front_page_says_what_this_server_is_and_who_is_live(
    app: web.Application, client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await post(client, alice, "first")
    public = await client.post(
        "/api/v1/chirp/streams", headers=alice.headers, json={"title": "Cooking <live>"}
    )
    private = await client.post(
        "/api/v1/chirp/streams",
        headers=bob.headers,
        json={"title": "Secret stream", "visibility": "private"},
    )
    streams = [await public.json(), await private.json()]
    for stream in streams:
        await app[LIVE_HOOKS].went_live(int(stream["id"]))
    await drain()

    parsed, html = await page(client, "/")
    no_script(html)
    assert parsed.title == 'Chirp <&> "Town"'
    assert "<title>Chirp &lt;&amp;&gt; &quot;Town&quot;</title>" in html
    assert parsed.meta["og:title"] == 'Chirp <&> "Town"'
    assert parsed.meta["og:description"] == "A place for <b>birds</b> & 'friends'"
    assert parsed.meta["og:url"] == "https://chirp.example/"
    assert parsed.links["alternate application/json"] == "https://chirp.example/api/v2/instance"
    assert "<b>birds</b>" not in html
    parts = [t.strip() for t in parsed.text_parts if t.strip()]
    assert parts[parts.index("Live now") + 1] == "1"  # the stream anyone may watch
    text = parsed.text
    assert f"https://chirp.example/live/{streams[0]['id']}" in parsed.hrefs()
    assert f"https://chirp.example/live/{streams[1]['id']}" not in parsed.hrefs()
    assert "Cooking <live>" in text and "Secret stream" not in text
    assert "https://docs.joinmastodon.org/client/intro/" in parsed.hrefs()
    assert any(h.endswith("#readme") for h in parsed.hrefs())
    assert "chirp.example" in text  # what to type into a Mastodon app
    assert "wss://chirp.example/api/v1/streaming" in text


async def test_front_page_figures_count_users_and_posts(
    client: TestClient, alice: User, bob: User
) -> None:
    await post(client, alice, "one")
    await post(client, bob, "two")
    await post(client, bob, "three")
    parsed, _ = await page(client, "/")
    stats = [(tag, a) for tag, a in parsed.elements if tag == "dd"]
    assert len(stats) >= 3
    parts = [t.strip() for t in parsed.text_parts if t.strip()]
    assert parts[parts.index("Users") + 1] == "2"
    assert parts[parts.index("Posts") + 1] == "3"
    assert parts[parts.index("Live now") + 1] == "0"
    assert "Nobody is live right now." in parsed.text


async def test_pages_send_a_strict_policy_and_short_public_caching(
    client: TestClient, alice: User
) -> None:
    tweet = await post(client, alice, "cache me #cached")
    for path in ("/", "/@alice", f"/@alice/{tweet['id']}", "/tags/cached"):
        response = await client.get(path)
        assert response.status == 200, path
        rules = policy(response.headers["Content-Security-Policy"])
        assert rules["default-src"] == ["'none'"]
        assert "script-src" not in rules  # no script at all
        assert rules["style-src"] == ["'self'"]
        assert rules["frame-ancestors"] == ["'none'"] and rules["base-uri"] == ["'none'"]
        assert rules["form-action"] == ["'none'"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        cache = response.headers["Cache-Control"]
        assert cache.startswith("public, max-age=") and 0 < int(cache.split("=")[1]) <= 60
        html = await response.text()
        stylesheet = Page(html).links["stylesheet"]
        css = await client.get(stylesheet)
        assert css.status == 200 and css.content_type == "text/css"
        assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"


async def test_head_answers_without_a_body(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "heads up")
    for path in ("/", "/@alice", f"/@alice/{tweet['id']}"):
        response = await client.head(path)
        assert response.status == 200
        assert response.content_type == "text/html"
        assert await response.read() == b""
    assert (await client.head("/@nobody")).status == 404


# -- profiles ----------------------------------------------------------------------------------


async def test_profile_shows_the_account_and_its_public_tweets(
    client: TestClient, alice: User, bob: User
) -> None:
    await set_profile(client, alice, display_name="Alice Liddell", note="Down the\nrabbit hole")
    await follow(client, bob, alice)
    public = await post(client, alice, "a public tweet")
    unlisted = await post(client, alice, "an unlisted tweet", visibility="unlisted")
    private = await post(client, alice, "a followers-only tweet", visibility="private")
    direct = await post(client, alice, "@bob a direct tweet", visibility="direct")

    parsed, html = await page(client, "/@alice")
    assert parsed.title == "Alice Liddell (@alice@chirp.example)"
    assert "<p>Down the<br />rabbit hole</p>" in html
    hrefs = parsed.hrefs()
    assert public["url"] in hrefs and unlisted["url"] in hrefs  # unlisted show, as on Mastodon
    assert private["url"] not in hrefs and direct["url"] not in hrefs
    assert "followers-only" not in html and "a direct tweet" not in html
    parts = [t.strip() for t in parsed.text_parts if t.strip()]
    assert parts[parts.index("Posts") + 1] == "4"
    assert parts[parts.index("Followers") + 1] == "1"
    assert parts[parts.index("Following") + 1] == "0"
    assert any(p.startswith("Joined ") for p in parts)
    # Link previews and where the same thing is in the API.
    assert parsed.meta["og:type"] == "profile"
    assert parsed.meta["og:title"] == "Alice Liddell (@alice@chirp.example)"
    assert parsed.meta["og:description"] == "Down the rabbit hole"
    assert parsed.meta["og:url"] == "https://chirp.example/@alice"
    assert parsed.meta["profile:username"] == "alice"
    assert parsed.meta["og:image"] == "https://chirp.example/avatars/original/missing.png"
    assert parsed.meta["twitter:card"] == "summary"
    assert parsed.links["canonical"] == "https://chirp.example/@alice"
    account = await (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert parsed.links["alternate application/json"] == (
        f"https://chirp.example/api/v1/accounts/{alice.id}"
    )
    assert parsed.meta["og:image"] == account["avatar_static"]
    avatars = [a["src"] for tag, a in parsed.elements if tag == "img"]
    assert account["avatar_static"] in avatars


async def test_profile_without_a_bio_describes_its_figures(client: TestClient, alice: User) -> None:
    await post(client, alice, "only one")
    parsed, _ = await page(client, "/@alice")
    assert parsed.meta["og:description"] == "1 posts, 0 following, 0 followers"
    assert parsed.title == "alice (@alice@chirp.example)"  # no display name: the username


async def test_profile_lookup_ignores_case_and_canonicalizes(
    client: TestClient, alice: User
) -> None:
    parsed, _ = await page(client, "/@ALICE")
    assert parsed.links["canonical"] == "https://chirp.example/@alice"
    await page(client, "/@alice@chirp.example")
    await page(client, "/@alice@elsewhere.example", status=404)


async def test_replies_show_only_with_replies(client: TestClient, alice: User, bob: User) -> None:
    theirs = await post(client, bob, "a question")
    reply = await post(client, alice, "@bob an answer", in_reply_to_id=theirs["id"])
    own = await post(client, alice, "a thought of my own")
    posts, _ = await page(client, "/@alice")
    assert own["url"] in posts.hrefs() and reply["url"] not in posts.hrefs()
    everything, _ = await page(client, "/@alice/with_replies")
    assert own["url"] in everything.hrefs() and reply["url"] in everything.hrefs()
    current = [a["href"] for tag, a in everything.elements if "aria-current" in a]
    assert current == ["/@alice/with_replies"]


async def test_retweets_show_on_the_profile_with_the_original(
    client: TestClient, alice: User, bob: User
) -> None:
    original = await post(client, bob, "worth sharing")
    await act(client, alice, original["id"], "reblog")
    parsed, html = await page(client, "/@alice")
    assert "worth sharing" in html
    assert original["url"] in parsed.hrefs()
    assert "retweeted" in parsed.text


async def test_pinned_tweets_lead_the_first_page(client: TestClient, alice: User) -> None:
    pinned = await post(client, alice, "read this first")
    for n in range(20):
        await post(client, alice, f"tweet {n}")
    await act(client, alice, pinned["id"], "pin")
    first, html = await page(client, "/@alice")
    assert "Pinned" in first.text
    assert html.index("read this first") < html.index("tweet 19")
    older = [a["href"] for tag, a in first.elements if a.get("rel") == "next"]
    second, _ = await page(client, older[0])
    assert "Pinned" not in second.text
    assert pinned["url"] in second.hrefs()  # in its place in time as well


async def test_profile_pages_go_back_in_time(client: TestClient, alice: User) -> None:
    tweets = [await post(client, alice, f"number {n}") for n in range(25)]
    first, _ = await page(client, "/@alice")
    shown = [t["url"] for t in tweets if t["url"] in first.hrefs()]
    assert shown == [t["url"] for t in tweets[5:]]
    older = [a["href"] for tag, a in first.elements if a.get("rel") == "next"]
    assert older == [f"/@alice?max_id={tweets[5]['id']}"]
    second, _ = await page(client, older[0])
    assert [t["url"] for t in tweets if t["url"] in second.hrefs()] == [
        t["url"] for t in tweets[:5]
    ]
    assert not [a for tag, a in second.elements if a.get("rel") == "next"]
    assert "/@alice" in second.hrefs()  # back to the newest


async def test_a_bad_cursor_is_a_400_page(client: TestClient, alice: User) -> None:
    parsed, html = await page(client, "/@alice?max_id=nope", status=400)
    assert "Bad request" in parsed.title
    no_script(html)


async def test_unknown_user_is_a_404_page(client: TestClient) -> None:
    response = await client.get("/@nobody")
    assert response.status == 404
    assert response.content_type == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    parsed = Page(await response.text())
    assert parsed.title.startswith("Not found")
    assert "/" in parsed.hrefs()


# -- tweets and threads ------------------------------------------------------------------------


async def test_tweet_page_shows_its_thread(client: TestClient, alice: User, bob: User) -> None:
    root = await post(client, alice, "root of the thread")
    middle = await post(client, bob, "@alice the middle", in_reply_to_id=root["id"])
    leaf = await post(client, alice, "@bob the leaf", in_reply_to_id=middle["id"])
    other = await post(client, alice, "not in this thread")
    parsed, html = await page(client, local(middle["url"]))
    main = html.split("<main>")[1]
    assert main.index("root of the thread") < main.index("the middle") < main.index("the leaf")
    assert "not in this thread" not in html and other["url"] not in parsed.hrefs()
    assert f'class="status focused" id="s{middle["id"]}"' in html
    assert parsed.meta["og:type"] == "article"
    assert parsed.meta["og:title"] == "bob (@bob@chirp.example)"
    assert parsed.meta["og:description"] == "@alice the middle"
    assert parsed.meta["og:url"] == middle["url"]
    assert parsed.meta["article:published_time"] == middle["created_at"]
    assert parsed.links["canonical"] == middle["url"]
    assert parsed.links["alternate application/json"] == (
        f"https://chirp.example/api/v1/statuses/{middle['id']}"
    )
    assert leaf["url"] in parsed.hrefs() and root["url"] in parsed.hrefs()


async def test_hidden_replies_and_what_hangs_off_them_stay_out_of_the_thread(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    await follow(client, carol, bob)
    root = await post(client, alice, "root in public")
    hidden = await post(
        client, bob, "@alice followers-only reply", in_reply_to_id=root["id"], visibility="private"
    )
    below = await post(client, carol, "@bob public reply below it", in_reply_to_id=hidden["id"])
    secret = await post(
        client, bob, "@alice direct reply", in_reply_to_id=root["id"], visibility="direct"
    )
    visible = await post(client, carol, "@alice a public reply", in_reply_to_id=root["id"])
    parsed, html = await page(client, local(root["url"]))
    assert "a public reply" in html and visible["url"] in parsed.hrefs()
    for gone in (hidden, below, secret):
        assert gone["url"] not in parsed.hrefs()
        assert gone["id"] not in html
    for words in ("followers-only reply", "reply below it", "direct reply"):
        assert words not in html
    # The API agrees with the page.
    api = await (await client.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert [s["id"] for s in api["descendants"]] == [visible["id"]]


async def test_what_the_api_hides_from_anonymous_visitors_is_a_404(
    client: TestClient, alice: User, bob: User
) -> None:
    private = await post(client, alice, "followers only", visibility="private")
    direct = await post(client, alice, "@bob just us", visibility="direct")
    deleted = await post(client, alice, "regretted")
    await delete(client, alice, deleted["id"])
    for tweet in (private, direct, deleted):
        assert (await client.get(f"/api/v1/statuses/{tweet['id']}")).status == 404
        parsed, html = await page(client, local(tweet["url"]), status=404)
        assert tweet["id"] not in html
        assert "followers only" not in html and "just us" not in html and "regretted" not in html
        assert parsed.title.startswith("Not found")
    await page(client, "/@alice/1", status=404)
    await page(client, "/@alice/99999999999999999999999", status=404)
    await page(client, "/@alice/not-an-id", status=404)


async def test_a_tweet_lives_only_under_its_author(
    client: TestClient, alice: User, bob: User
) -> None:
    tweet = await post(client, alice, "mine")
    await page(client, f"/@bob/{tweet['id']}", status=404)
    await page(client, f"/@nobody/{tweet['id']}", status=404)


async def test_a_retweet_url_leads_to_the_original(
    client: TestClient, alice: User, bob: User
) -> None:
    original = await post(client, bob, "the original")
    retweet = await act(client, alice, original["id"], "reblog")
    response = await client.get(local(retweet["url"]), allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == local(original["url"])


async def test_a_quote_shows_the_quoted_tweet(client: TestClient, alice: User, bob: User) -> None:
    quoted = await post(client, bob, "quotable words")
    quote = await post(client, alice, "look at this", quoted_status_id=quoted["id"])
    parsed, html = await page(client, local(quote["url"]))
    assert "quotable words" in html and quoted["url"] in parsed.hrefs()


async def test_content_warnings_fold_the_text_and_describe_the_preview(
    client: TestClient, alice: User
) -> None:
    tweet = await post(client, alice, "the spoiler itself", spoiler_text="Film <ending>")
    parsed, html = await page(client, local(tweet["url"]))
    assert parsed.meta["og:description"] == "Content warning: Film <ending>"
    assert "the spoiler itself" not in parsed.meta["og:description"]
    assert "<details class=spoiler><summary>Film &lt;ending&gt;</summary>" in html


async def test_hostile_names_bios_and_tweets_stay_text(
    client: TestClient, alice: User, bob: User
) -> None:
    await set_profile(client, alice, display_name=HOSTILE, note=f"bio {HOSTILE}")
    tweet = await post(client, alice, f"tweet {HOSTILE} #evil", spoiler_text="")
    reply = await post(client, bob, f"@alice reply {HOSTILE}", in_reply_to_id=tweet["id"])
    for path in ("/@alice", local(tweet["url"]), local(reply["url"]), "/tags/evil"):
        parsed, html = await page(client, path)
        no_script(html)
        assert HOSTILE in parsed.text or path == "/tags/evil"
        for tag, attributes in parsed.elements:
            assert not any(name.startswith("on") for name in attributes), (tag, attributes)
            assert tag != "script"
    profile, _ = await page(client, "/@alice")
    assert profile.meta["og:title"] == f"{HOSTILE} (@alice@chirp.example)"
    assert profile.meta["og:description"] == f"bio {HOSTILE}"
    status, _ = await page(client, local(tweet["url"]))
    assert status.meta["og:title"] == f"{HOSTILE} (@alice@chirp.example)"
    assert status.meta["og:description"] == f"tweet {HOSTILE} #evil"
    assert status.title.startswith(f"{HOSTILE}: “tweet {HOSTILE} #evil”")


async def test_long_tweets_are_shortened_in_the_preview(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "word " * 90)
    parsed, _ = await page(client, local(tweet["url"]))
    assert len(parsed.meta["og:description"]) == 200
    assert parsed.meta["og:description"].endswith("…")


async def test_a_picture_becomes_the_large_preview_unless_sensitive(
    app: web.Application, client: TestClient, alice: User
) -> None:
    code, media = await upload(
        client,
        alice,
        photo(640, 480, gps=False),
        filename="p.jpg",
        content_type="image/jpeg",
        description='A "photo" <of> things',
    )
    assert code == 200, media
    await wait_processed(app)
    tweet = await post(client, alice, "", media_ids=[media["id"]])  # a picture, no words
    shown = await (await client.get(f"/api/v1/statuses/{tweet['id']}")).json()
    picture = shown["media_attachments"][0]
    parsed, html = await page(client, local(tweet["url"]))
    assert parsed.meta["twitter:card"] == "summary_large_image"
    assert parsed.meta["og:image"] == picture["url"]
    assert parsed.meta["og:description"] == "Attached: 1 image"
    images = [a for tag, a in parsed.elements if tag == "img"]
    assert {"src": picture["preview_url"], "alt": 'A "photo" <of> things', "loading": "lazy"} in [
        {k: v for k, v in a.items() if k in ("src", "alt", "loading")} for a in images
    ]
    code, other = await upload(
        client, alice, photo(320, 240, gps=False), filename="q.jpg", content_type="image/jpeg"
    )
    await wait_processed(app)
    sensitive = await post(client, alice, "careful", media_ids=[other["id"]], sensitive=True)
    parsed, html = await page(client, local(sensitive["url"]))
    assert parsed.meta["twitter:card"] == "summary"
    assert parsed.meta["og:image"].endswith("/avatars/original/missing.png")
    assert "<details class=sensitive>" in html


# -- hashtags --------------------------------------------------------------------------------


async def test_tag_page_lists_public_tweets_with_the_tag(
    client: TestClient, alice: User, bob: User
) -> None:
    public = await post(client, alice, "about #Birds")
    unlisted = await post(client, alice, "quietly about #birds", visibility="unlisted")
    private = await post(client, alice, "secretly about #birds", visibility="private")
    other = await post(client, bob, "about #cats")
    parsed, html = await page(client, "/tags/BIRDS")
    hrefs = parsed.hrefs()
    assert public["url"] in hrefs
    for hidden in (unlisted, private, other):
        assert hidden["url"] not in hrefs
    assert "secretly" not in html
    assert parsed.meta["og:url"] == "https://chirp.example/tags/birds"
    assert parsed.links["canonical"] == "https://chirp.example/tags/birds"
    assert parsed.links["alternate application/json"].startswith(
        "https://chirp.example/api/v1/tags/"
    )


async def test_tag_pages_go_back_in_time(client: TestClient, alice: User) -> None:
    tweets = [await post(client, alice, f"#paged {n}") for n in range(21)]
    first, _ = await page(client, "/tags/paged")
    older = [a["href"] for tag, a in first.elements if a.get("rel") == "next"]
    assert older == [f"/tags/paged?max_id={tweets[1]['id']}"]
    second, _ = await page(client, older[0])
    assert tweets[0]["url"] in second.hrefs() and tweets[1]["url"] not in second.hrefs()


async def test_a_name_that_cannot_be_a_tag_is_a_404(client: TestClient) -> None:
    await page(client, "/tags/1234", status=404)
    await page(client, "/tags/no%20spaces", status=404)


async def test_unicode_tags_have_pages(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "שלום #עברית")
    url = tweet["tags"][0]["url"]
    parsed, _ = await page(client, local(url))
    assert tweet["url"] in parsed.hrefs()


# -- uris and every url the API hands out ------------------------------------------------------


async def test_uris_redirect_to_the_pages(client: TestClient, alice: User) -> None:
    tweet = await post(client, alice, "by uri")
    account = await (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    for uri, url in ((account["uri"], account["url"]), (tweet["uri"], tweet["url"])):
        response = await client.get(local(uri), allow_redirects=False)
        assert response.status == 302
        assert response.headers["Location"] == local(url)


async def test_every_url_the_api_hands_out_is_a_page(
    app: web.Application, client: TestClient, alice: User, drain: Drain
) -> None:
    bob = await sign_up(client, username="bob")
    await follow(client, bob, alice)
    tweet = await post(client, alice, "hello @bob #Everything")
    reply = await post(client, bob, "@alice hi back", in_reply_to_id=tweet["id"])
    retweet = await act(client, bob, tweet["id"], "reblog")
    unlisted = await post(client, alice, "quiet one #everything", visibility="unlisted")
    account = await (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    tag = await (await client.get("/api/v1/tags/everything")).json()
    timeline = await (await client.get(f"/api/v1/accounts/{bob.id}/statuses")).json()
    urls = {
        account["url"],
        account["uri"],
        tweet["url"],
        tweet["uri"],
        reply["url"],
        retweet["url"],
        retweet["uri"],
        unlisted["url"],
        tag["url"],
        *(t["url"] for t in tweet["tags"]),
        *(m["url"] for m in tweet["mentions"]),
        *(s["url"] for s in timeline),
        *(s["account"]["url"] for s in timeline),
    }
    urls |= {"https://chirp.example/", account["avatar"], account["header"]}
    for url in sorted(urls):
        response = await client.get(local(url))
        assert response.status == 200, url
        assert response.content_type in ("text/html", "image/png"), url


def test_profile_fields_show_their_names_as_text_and_values_as_the_server_rendered_them() -> None:
    """Profile fields (name: text, value: HTML the server rendered, as in the API's JSON)."""
    settings = make_settings(public_url="https://chirp.example")
    account = {
        "id": "1",
        "username": "alice",
        "acct": "alice",
        "display_name": "Alice",
        "note": "",
        "url": "https://chirp.example/@alice",
        "avatar_static": "https://chirp.example/avatars/original/missing.png",
        "header_static": "https://chirp.example/headers/original/missing.png",
        "statuses_count": 0,
        "following_count": 0,
        "followers_count": 0,
        "created_at": "2026-01-01T00:00:00.000Z",
        "fields": [
            {
                "name": HOSTILE,
                "value": '<a href="https://alice.example" rel="me nofollow noopener">alice.example</a>',
            }
        ],
    }
    html = public_html.profile_page(
        account, [], [], settings, api_url="x", tabs=[], older_url=None, newest_url=None
    )
    no_script(html)
    parsed = Page(html)
    assert HOSTILE in parsed.text
    assert "https://alice.example" in parsed.hrefs()
    assert "Joined January 2026" in parsed.text


def test_custom_emojis_become_pictures_in_text_only() -> None:
    emojis = [{"shortcode": "blob_cat", "url": 'https://cdn.example/e/blob"cat.png'}]
    html = '<p>hi :blob_cat: <a href="https://x.example/:blob_cat:/">:blob_cat:</a></p>'
    out = public_html.emojify(html, emojis)
    parsed = Page(out)
    pictures = [a for tag, a in parsed.elements if tag == "img"]
    assert [p["src"] for p in pictures] == ['https://cdn.example/e/blob"cat.png'] * 2
    assert [p["alt"] for p in pictures] == [":blob_cat:"] * 2
    assert "https://x.example/:blob_cat:/" in parsed.hrefs()  # the link is left whole
    assert public_html.emojify("<p>:blob_cat:</p>", []) == "<p>:blob_cat:</p>"


async def test_a_quote_of_a_deleted_tweet_says_so(
    client: TestClient, alice: User, bob: User
) -> None:
    quoted = await post(client, bob, "soon gone")
    quote = await post(client, alice, "look at this", quoted_status_id=quoted["id"])
    await delete(client, bob, quoted["id"])
    parsed, html = await page(client, local(quote["url"]))
    assert "soon gone" not in html
    assert "The quoted post is not available." in parsed.text


def test_accounts_that_ask_for_it_are_kept_out_of_search_engines() -> None:
    settings = make_settings(public_url="https://chirp.example")
    meta = public_html.Meta("t", "d", "https://chirp.example/@a", noindex=True)
    assert '<meta name="robots" content="noindex, noarchive">' in public_html.document(
        settings, "t", "", meta
    )
    indexed = public_html.Meta("t", "d", "https://chirp.example/@a")
    assert "robots" not in public_html.document(settings, "t", "", indexed)


async def test_a_long_thread_shows_its_first_replies(
    client: TestClient, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public_pages, "REPLIES_SHOWN", 3)
    root = await post(client, alice, "a long thread")
    replies = [await post(client, alice, f"part {n}", in_reply_to_id=root["id"]) for n in range(5)]
    parsed, _ = await page(client, local(root["url"]))
    shown = [r["url"] for r in replies if r["url"] in parsed.hrefs()]
    assert shown == [r["url"] for r in replies[:3]]
    assert "2 more replies not shown here" in parsed.text


async def test_pages_never_read_a_token(client: TestClient, alice: User, bob: User) -> None:
    """Pages are the anonymous view (shared caches keep them): a follower's token shows
    nothing more."""
    await follow(client, bob, alice)
    private = await post(client, alice, "for followers", visibility="private")
    shown = await client.get(f"/api/v1/statuses/{private['id']}", headers=bob.headers)
    assert shown.status == 200
    response = await client.get(local(private["url"]), headers=bob.headers)
    assert response.status == 404
    response = await client.get("/@alice", headers=bob.headers)
    assert "for followers" not in await response.text()
