"""Start-up endpoints end to end: the operator's `chirp emoji` and `chirp announcement`
commands on a running `chirp serve`'s data directory, then Mastodon.py reading markers,
custom emojis and announcements as a client does on start-up."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import requests
from mastodon import Mastodon
from PIL import Image

from tests.e2e.process import ChirpProcess
from tests.e2e.test_social_mastodon_py import SCOPES, _user, eventually


def operator(data_dir: Path, *argv: str) -> str:
    """Run a `chirp` command as the operator does, in its own process."""
    done = subprocess.run(
        [sys.executable, "-m", "chirp", *argv, "--data-dir", str(data_dir)],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_operator_content_reaches_a_mastodon_client(tmp_path: Path) -> None:
    data = tmp_path / "data"
    node = ChirpProcess(data, env={"CHIRP_CUSTOM_EMOJIS_CACHE_SECONDS": "0.5"}).start()
    try:
        app = Mastodon.create_app("chirp e2e", scopes=SCOPES, api_base_url=node.url)
        ada = _user(node.url, app, "ada")
        assert ada.custom_emojis() == []
        assert ada.announcements() == []

        image = tmp_path / "blobcat.png"
        buffer = io.BytesIO()
        Image.new("RGBA", (32, 32), (200, 120, 0, 255)).save(buffer, format="PNG")
        image.write_bytes(buffer.getvalue())
        assert operator(data, "emoji", "add", "blobcat", str(image)) == ":blobcat: added\n"
        published = operator(data, "announcement", "add", "Welcome to Chirp :blobcat:")
        announcement_id = published.split()[1]

        # A running node sees the new emoji within its cache period.
        emojis = eventually(ada.custom_emojis, lambda found: len(found) == 1)
        assert emojis[0]["shortcode"] == "blobcat"
        assert requests.get(emojis[0]["url"], timeout=10).content == image.read_bytes()
        tweet = ada.status_post("hello :blobcat:")
        assert [e["shortcode"] for e in tweet["emojis"]] == ["blobcat"]

        # Markers: where the client stopped reading, shared by all its devices.
        saved = ada.markers_set(["home"], [tweet["id"]])
        assert (str(saved["home"]["last_read_id"]), saved["home"]["version"]) == (
            str(tweet["id"]),
            1,
        )
        assert str(ada.markers_get(["home", "notifications"])["home"]["last_read_id"]) == str(
            tweet["id"]
        )

        # Announcements: read, react, dismiss.
        (shown,) = ada.announcements()
        assert str(shown["id"]) == announcement_id
        assert [e["shortcode"] for e in shown["emojis"]] == ["blobcat"]
        assert shown["read"] is False
        ada.announcement_reaction_create(shown["id"], "🎉")
        ada.announcement_reaction_create(shown["id"], "blobcat")
        ada.announcement_dismiss(shown["id"])
        (shown,) = ada.announcements()
        assert shown["read"] is True
        assert [(r["name"], r["count"], r["me"]) for r in shown["reactions"]] == [
            ("🎉", 1, True),
            ("blobcat", 1, True),
        ]
        ada.announcement_reaction_delete(shown["id"], "🎉")
        assert [r["name"] for r in ada.announcements()[0]["reactions"]] == ["blobcat"]

        operator(data, "announcement", "remove", announcement_id)
        assert ada.announcements() == []
    finally:
        node.stop()
