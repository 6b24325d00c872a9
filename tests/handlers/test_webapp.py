"""The web app's shell: `index.html` for the app's routes (no-cache, strict policy), hashed
assets cached for a year, and the hand-over on `/`, `/@user`, `/tags/...`: the app for a browser
holding the hint cookie, the public page for everyone else (crawlers, link previews)."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from chirp.handlers import webapp
from tests.helpers import User, post

HINT = {"Cookie": "chirp_app=1"}


def policy(header: str) -> dict[str, list[str]]:
    rules = (part.strip().split() for part in header.split(";") if part.strip())
    return {rule[0]: rule[1:] for rule in rules}


def is_app(html: str) -> bool:
    return '<div id="app">' in html and "/app/assets/" in html


async def test_app_routes_serve_the_shell_uncached_under_a_strict_policy(
    client: TestClient,
) -> None:
    for path in ("/home", "/notifications", "/search?q=x", "/settings", "/oauth-callback", "/app"):
        response = await client.get(path)
        assert response.status == 200, path
        assert is_app(await response.text()), path
        assert response.headers["Cache-Control"] == "no-cache"
        rules = policy(response.headers["Content-Security-Policy"])
        assert rules["default-src"] == ["'none'"]
        assert rules["script-src"] == ["'self'"]  # no inline script, no eval
        assert rules["style-src"] == ["'self'"]
        assert rules["frame-ancestors"] == ["'none'"] and rules["base-uri"] == ["'none'"]
        assert "'self'" in rules["connect-src"]
        assert any(src.startswith("ws://") for src in rules["connect-src"])
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_shell_loads_only_external_scripts_that_are_served_immutable(
    client: TestClient,
) -> None:
    html = await (await client.get("/home")).text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assets = re.findall(r'(?:src|href)="(/app/assets/[^"]+)"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        response = await client.get(asset)
        assert response.status == 200, asset
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.content_type in ("text/javascript", "text/css")
        assert len(await response.read()) > 100


async def test_assets_are_gzipped_for_clients_that_accept_it(client: TestClient) -> None:
    html = await (await client.get("/home")).text()
    script = re.findall(r'src="(/app/assets/[^"]+\.js)"', html)[0]
    plain = await client.get(script, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["Vary"] == "Accept-Encoding"
    zipped = await client.get(script, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert zipped.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert int(zipped.headers["Content-Length"]) < len(await plain.read()) / 2
    assert await zipped.read() == await plain.read()  # the client inflates it


async def test_unknown_and_traversing_asset_names_are_404(client: TestClient) -> None:
    for name in ("nope.js", "..%2Findex.html", "index.html", "x.exe"):
        response = await client.get(f"/app/assets/{name}")
        assert response.status == 404, name


async def test_public_paths_hand_over_to_the_app_only_with_the_hint_cookie(
    client: TestClient, alice: User
) -> None:
    tweet = await post(client, alice, "hello #handover")
    for path in (
        "/",
        "/@alice",
        "/@alice/with_replies",
        f"/@alice/{tweet['id']}",
        "/tags/handover",
    ):
        public = await client.get(path)
        assert public.status == 200, path
        assert not is_app(await public.text()), path
        assert public.headers["Vary"] == "Cookie"  # shared caches keep the two apart
        assert "script-src" not in policy(public.headers["Content-Security-Policy"])
        app = await client.get(path, headers=HINT)
        assert app.status == 200, path
        assert is_app(await app.text()), path
        assert app.headers["Cache-Control"] == "no-cache"


async def test_the_hint_cookie_is_no_credential(client: TestClient, alice: User) -> None:
    """The app shell is the same for anyone; the API still wants a token."""
    response = await client.get("/api/v1/timelines/home", headers=HINT)
    assert response.status == 401


async def test_public_404s_stay_pages_without_the_cookie(client: TestClient) -> None:
    response = await client.get("/@nobody")
    assert response.status == 404
    assert response.content_type == "text/html"


async def test_an_unbuilt_checkout_says_how_to_build(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webapp, "_index", lambda: None)
    response = await client.get("/home")
    assert response.status == 503
    assert "npm" in await response.text()
    # and the public pages still answer, cookie or not
    assert (await client.get("/", headers=HINT)).status == 200


async def test_a_live_streams_page_hands_over_to_the_apps_watch_screen(
    client: TestClient, alice: User
) -> None:
    created = await client.post(
        "/api/v1/chirp/streams", headers=alice.headers, json={"title": "birds live"}
    )
    assert created.status == 200, await created.text()
    path = f"/live/{(await created.json())['id']}"
    public = await client.get(path)
    assert public.status == 200
    assert not is_app(await public.text())
    assert "birds live" in await public.text()  # the standalone watch page, for link previews
    assert public.headers["Vary"] == "Cookie"
    app = await client.get(path, headers=HINT)
    assert app.status == 200
    assert is_app(await app.text())
    studio = await client.get("/live/studio", headers=HINT)
    assert studio.status == 200
    assert not is_app(await studio.text())  # the studio stays its own page
