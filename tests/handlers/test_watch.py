"""The watch page `GET /live/<id>` and its static files: what the server renders, escapes and
allows (the player itself runs in chromium: tests/e2e/test_watch_chromium.py)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from chirp.handlers import watch
from tests.helpers import User

STREAMS = "/api/v1/chirp/streams"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {
        "data_dir": tmp_path,
        "rtmp_port": 0,
        "public_url": "https://chirp.example",
        "media_base_url": "https://cdn.example/media",
    }


async def create(client: TestClient, user: User, title: str, visibility: str) -> dict[str, Any]:
    response = await client.post(
        STREAMS, headers=user.headers, json={"title": title, "visibility": visibility}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


def policy(header: str) -> dict[str, list[str]]:
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


async def test_public_stream_page_escapes_the_title(client: TestClient, alice: User) -> None:
    stream = await create(client, alice, '<script>alert("x")</script> & "live"', "public")
    response = await client.get(f"/live/{stream['id']}")
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;live&quot;" in html
    assert f'data-stream-id="{stream["id"]}"' in html
    assert 'data-streaming="wss://chirp.example"' in html
    # Every script is an external file of this origin: no inline code for the CSP to allow.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html)
    assert [body for _, body in scripts] == ["", "", "", ""]
    assert all('src="/static/live/' in attributes for attributes, _ in scripts)
    assert 'property="og:title"' in html


async def test_page_sets_a_strict_content_security_policy(client: TestClient, alice: User) -> None:
    stream = await create(client, alice, "CSP", "public")
    response = await client.get(f"/live/{stream['id']}")
    rules = policy(response.headers["Content-Security-Policy"])
    assert rules["default-src"] == ["'none'"]
    assert rules["script-src"] == ["'self'"]
    assert rules["style-src"] == ["'self'"]
    assert rules["base-uri"] == ["'none'"] and rules["frame-ancestors"] == ["'none'"]
    # Media and playlists: this node (signed playlists) and the CDN, nothing else.
    assert rules["media-src"] == ["'self'", "blob:", "https://chirp.example", "https://cdn.example"]
    assert rules["connect-src"] == [
        "'self'",
        "wss://chirp.example",
        "https://chirp.example",
        "https://cdn.example",
    ]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


async def test_followers_only_stream_page_reveals_nothing(client: TestClient, alice: User) -> None:
    stream = await create(client, alice, "Secret cooking", "private")
    response = await client.get(f"/live/{stream['id']}")
    # A shell like any other: the script asks the API with the viewer's token.
    assert response.status == 200
    html = await response.text()
    assert "Secret cooking" not in html and "og:title" not in html
    assert f'data-stream-id="{stream["id"]}"' in html
    missing = await client.get("/live/1234567890")
    assert missing.status == 200
    assert (await missing.text()).replace("1234567890", stream["id"]) == html


@pytest.mark.parametrize("raw", ["abc", "99999999999999999999", "-1"])
async def test_a_malformed_id_is_a_404_page(client: TestClient, raw: str) -> None:
    response = await client.get(f"/live/{raw}")
    assert response.status == 404
    assert response.content_type == "text/html"
    assert "no such live stream" in await response.text()
    assert "script-src" not in response.headers["Content-Security-Policy"]


async def test_static_files_are_versioned_and_cacheable(client: TestClient) -> None:
    for name, kind in (("watch.js", "text/javascript"), ("hls.min.js", "text/javascript")):
        version = watch.asset(name).version
        current = await client.get(f"/static/live/{name}?v={version}")
        assert current.status == 200 and current.content_type == kind
        assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert await current.read() == (watch.STATIC / name).read_bytes()
        stale = await client.get(f"/static/live/{name}?v=old")
        assert stale.headers["Cache-Control"] == "public, max-age=300"
    css = await client.get("/static/live/watch.css")
    assert css.content_type == "text/css"
    for name in ("VENDOR.md", "..%2Fwatch.py", "hls.min.js.map", "nope.js"):
        assert (await client.get(f"/static/live/{name}")).status == 404


def test_vendored_hls_js_is_the_recorded_release() -> None:
    body = (watch.STATIC / "hls.min.js").read_bytes()
    assert hashlib.sha256(body).hexdigest() == watch.HLS_JS_SHA256
    vendor = (watch.STATIC / "VENDOR.md").read_text()
    assert f"| {watch.HLS_JS_VERSION} | `{watch.HLS_JS_SHA256}` |" in vendor
    assert (watch.STATIC / "hls.js.LICENSE").read_text().startswith("Copyright")


async def test_the_studio_page_is_a_shell_with_a_strict_policy(client: TestClient) -> None:
    response = await client.get("/live/studio")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Permissions-Policy"] == "camera=(self), microphone=(self)"
    rules = policy(response.headers["Content-Security-Policy"])
    assert rules["script-src"] == ["'self'"] and rules["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    page = await response.text()
    scripts = re.findall(r'src="(/static/live/[^"]+)"', page)
    assert [s.split("?")[0] for s in scripts] == [
        "/static/live/session.js",
        "/static/live/studio.js",
    ]
    for url in [*scripts, *re.findall(r'href="(/static/live/[^"]+)"', page)]:
        served = await client.get(url)
        assert served.status == 200 and "immutable" in served.headers["Cache-Control"], url
