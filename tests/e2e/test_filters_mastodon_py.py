"""Content filters end to end: Mastodon.py makes v2 filters (keywords, statuses) and a v1
one, the home timeline comes back marked (`filtered`) and without what a `hide` filter
matches, against a real `chirp serve` subprocess."""

from __future__ import annotations

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from tests.e2e.process import ChirpProcess
from tests.e2e.test_social_mastodon_py import eventually
from tests.e2e.test_tags_mastodon_py import SCOPES, _user


def test_filters_with_mastodon_py(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    app = Mastodon.create_app("chirp filters e2e", scopes=SCOPES, api_base_url=url)
    ada, bob = _user(url, app, "ada"), _user(url, app, "bob")
    ada.account_follow(bob.me()["id"])

    warn = ada.create_filter_v2(
        "TV",
        ["home", "public"],
        filter_action="warn",
        keywords_attributes=[{"keyword": "finale", "whole_word": True}],
    )
    assert [k["keyword"] for k in warn["keywords"]] == ["finale"]
    hide = ada.create_filter_v2("Never", ["home"], filter_action="hide", expires_in=3600)
    ada.add_filter_keyword_v2(hide["id"], "crypto", whole_word=False)
    assert [f["title"] for f in ada.filters_v2()] == ["TV", "Never"]

    plain = bob.status_post("good morning")
    spoiled = bob.status_post("That Finale!")
    bob.status_post("cryptocurrency tips")
    home = eventually(lambda: ada.timeline_home(), lambda page: len(page) >= 2)
    assert [s["id"] for s in home] == [spoiled["id"], plain["id"]]
    [result] = home[0]["filtered"]
    assert result["filter"]["id"] == warn["id"] and result["keyword_matches"] == ["Finale"]
    assert home[1]["filtered"] == []

    # A tweet filtered by itself; then the filter's parts go one by one.
    entry = ada.add_filter_status_v2(warn["id"], plain["id"])
    assert ada.filter_statuses_v2(warn["id"])[0]["status_id"] == plain["id"]
    marked = ada.timeline_home()
    assert marked[1]["filtered"][0]["status_matches"] == [plain["id"]]
    ada.delete_filter_status_v2(entry["id"])
    changed = ada.update_filter_v2(warn["id"], title="Television", context=["public"])
    assert changed["title"] == "Television" and changed["context"] == ["public"]
    assert all(s["filtered"] == [] for s in ada.timeline_home())

    # v1: a keyword seen as a filter.
    v1 = ada.filter_create("spoiler", ["home"], irreversible=True, whole_word=False)
    assert v1["phrase"] == "spoiler" and v1["irreversible"] is True
    assert "spoiler" in [f["phrase"] for f in ada.filters()]
    ada.filter_delete(v1["id"])
    assert "spoiler" not in [f["phrase"] for f in ada.filters()]

    with pytest.raises(MastodonAPIError):
        ada.create_filter_v2("", ["home"], filter_action="warn")
    with pytest.raises(MastodonNotFoundError):
        bob.filter_v2(warn["id"])
    ada.delete_filter_v2(hide["id"])
    assert len(ada.timeline_home()) == 3
