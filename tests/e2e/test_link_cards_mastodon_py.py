"""Link preview cards end to end: a real `chirp serve` reads a linked page (served here on a
loopback address it is told to allow, as Mastodon's ALLOWED_PRIVATE_ADDRESSES would), and
Mastodon.py sees the card on the status, in trending links and the link timeline; a page on
an address it is not told to allow is never requested."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mastodon import Mastodon

from tests.e2e.process import ChirpProcess
from tests.e2e.test_social_mastodon_py import eventually
from tests.e2e.test_tags_mastodon_py import SCOPES, _user

ALLOWED, REFUSED = "127.0.0.2", "127.0.0.3"
PAGE = b"""<html><head><meta property="og:title" content="Harbour news">
<meta property="og:description" content="Boats came back."></head></html>"""


class _Page(BaseHTTPRequestHandler):
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("User-Agent", ""))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


def serve_page(host: str) -> tuple[ThreadingHTTPServer, list[str]]:
    seen: list[str] = []
    handler = type("Page", (_Page,), {"seen": seen})
    server = ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture
def carded_server(tmp_path: Path) -> Iterator[ChirpProcess]:
    env = {"CHIRP_LINK_CARDS": "true", "CHIRP_LINK_CARD_ALLOWED_PRIVATE": f"{ALLOWED}/32"}
    node = ChirpProcess(tmp_path / "data", env=env).start()
    try:
        yield node
    finally:
        node.stop()


def test_link_cards_with_mastodon_py(carded_server: ChirpProcess) -> None:
    allowed, allowed_seen = serve_page(ALLOWED)
    refused, refused_seen = serve_page(REFUSED)
    try:
        url = carded_server.url
        app = Mastodon.create_app("chirp cards e2e", scopes=SCOPES, api_base_url=url)
        ada = _user(url, app, "ada")
        link = f"http://{ALLOWED}:{allowed.server_address[1]}/harbour"
        tweet = ada.status_post(f"Read this: {link}")
        card = eventually(lambda: ada.status(tweet["id"])["card"], lambda c: c is not None)
        assert card is not None
        assert (card["title"], card["description"], card["url"]) == (
            "Harbour news",
            "Boats came back.",
            link,
        )
        assert allowed_seen and allowed_seen[0].startswith("Chirp/")
        assert [t["url"] for t in ada.trending_links()] == [link]
        assert [s["id"] for s in ada.timeline_link(link)] == [tweet["id"]]

        other = ada.status_post(f"http://{REFUSED}:{refused.server_address[1]}/x")
        ada.status_post("a later tweet, after the card step of the one before")
        eventually(lambda: ada.status(other["id"])["card"], lambda c: c is not None, timeout=2)
        assert ada.status(other["id"])["card"] is None
        assert refused_seen == []
    finally:
        allowed.shutdown()
        refused.shutdown()
