"""Hashtags, the link timeline, batch statuses and media deletion end to end: Mastodon.py
against a real `chirp serve` subprocess."""

from __future__ import annotations

import io

import pytest
import requests
from mastodon import Mastodon, MastodonNotFoundError
from PIL import Image

from tests.e2e.process import ChirpProcess
from tests.e2e.test_social_mastodon_py import SCOPES, eventually
from tests.helpers import PASSWORD


def _user(url: str, app: tuple[str, str], name: str) -> Mastodon:
    # Some of these methods are newer than the Mastodon version Chirp reports (4.4's
    # feature-by-name): the client is told not to gate them.
    api = Mastodon(*app, api_base_url=url, version_check_mode="none")
    api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True, scopes=SCOPES)
    return api


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_tags_links_and_batches_with_mastodon_py(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    app = Mastodon.create_app("chirp tags e2e", scopes=SCOPES, api_base_url=url)
    ada, bob = _user(url, app, "ada"), _user(url, app, "bob")

    # Follow a tag nobody has used yet; bob's public tweet with it reaches ada's home.
    assert ada.tag("Birding")["history"] == []
    followed = ada.tag_follow("Birding")
    assert followed["following"] is True and followed["name"] == "birding"
    assert [t["name"] for t in ada.followed_tags()] == ["birding"]
    story = "https://birds.example/robin?id=1"
    tweet = bob.status_post(f"A robin! #Birding {story}")
    bob.status_post("quiet #birding", visibility="unlisted")
    home = eventually(lambda: ada.timeline_home(), lambda page: len(page) == 1)
    assert [s["id"] for s in home] == [tweet["id"]]
    ada.tag_unfollow("birding")
    assert ada.followed_tags() == []
    eventually(lambda: ada.timeline_home(), lambda page: len(page) == 0)
    assert ada.timeline_home() == []

    # Featured tags, by form and by name.
    featured = bob.featured_tag_create("birding")
    assert (featured["name"], featured["statuses_count"]) == ("Birding", "2")
    assert [t["name"] for t in ada.account_featured_tags(bob.me()["id"])] == ["Birding"]
    assert bob.tag_feature("nature")["featuring"] is True
    bob.featured_tag_delete(featured["id"])
    assert [t["name"] for t in bob.featured_tags()] == ["nature"]
    assert [t["name"] for t in bob.featured_tag_suggestions()] == ["Birding"]
    with pytest.raises(MastodonNotFoundError):
        ada.featured_tag_delete(featured["id"])

    # The link timeline and several statuses at once.
    assert [s["id"] for s in ada.timeline_link(story)] == [tweet["id"]]
    assert ada.timeline_link("https://nobody.example/") == []
    private = bob.status_post("followers only", visibility="private")
    found = ada.statuses([private["id"], tweet["id"], "123"])
    assert [s["id"] for s in found] == [tweet["id"]]

    # An upload never attached can be deleted; an attached one cannot.
    loose = ada.media_post(_png(), mime_type="image/png")
    attached = ada.media_post(_png(), mime_type="image/png")
    ada.status_post("a red square", media_ids=[attached["id"]])

    # (Mastodon.py has no method for it yet: the request it would send.)
    def delete(media_id: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {ada.access_token}"}
        return requests.delete(f"{url}/api/v1/media/{media_id}", headers=headers, timeout=10)

    assert delete(loose["id"]).json() == {}
    assert delete(loose["id"]).status_code == 404
    refused = delete(attached["id"])
    assert refused.status_code == 422 and "error" in refused.json()
