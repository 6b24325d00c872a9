"""Blocks and mutes end to end: Mastodon.py against a real `chirp serve` subprocess."""

from __future__ import annotations

import time

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from tests.e2e.process import ChirpProcess
from tests.e2e.test_social_mastodon_py import SCOPES, eventually
from tests.e2e.test_tags_mastodon_py import _user


def test_blocks_and_mutes_with_mastodon_py(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    app = Mastodon.create_app("chirp blocks e2e", scopes=SCOPES, api_base_url=url)
    ada, bob, cy = _user(url, app, "ada"), _user(url, app, "bob"), _user(url, app, "cy")
    ada_id, bob_id, cy_id = (api.me()["id"] for api in (ada, bob, cy))

    # A block: follows go both ways, relationships say so, the list shows it.
    ada.account_follow(bob_id)
    bob.account_follow(ada_id)
    relation = ada.account_block(bob_id)
    assert relation["blocking"] is True and relation["following"] is False
    theirs = bob.account_relationships(ada_id)[0]
    assert theirs["blocked_by"] is True and theirs["following"] is False
    assert [a["id"] for a in ada.blocks()] == [bob_id]
    with pytest.raises(MastodonAPIError):
        bob.account_follow(ada_id)  # 403
    tweet = ada.status_post("ada's words")
    with pytest.raises(MastodonNotFoundError):
        bob.status_favourite(tweet["id"])
    with pytest.raises(MastodonNotFoundError):
        bob.status_post("reply", in_reply_to_id=tweet["id"])
    assert ada.account_unblock(bob_id)["blocking"] is False
    assert ada.blocks() == []

    # A mute for a while, notifications kept: cy's tweets leave ada's home, then come back.
    ada.account_follow(cy_id)
    relation = ada.account_mute(cy_id, notifications=False, duration=2)
    assert relation["muting"] is True and relation["muting_notifications"] is False
    [muted] = ada.mutes()
    assert muted["id"] == cy_id and muted["mute_expires_at"] is not None
    words = cy.status_post("cy's words")
    friend = bob.status_post("bob's words")
    ada.account_follow(bob_id)
    eventually(lambda: ada.timeline_public(), lambda page: friend["id"] in [s["id"] for s in page])
    assert words["id"] not in [s["id"] for s in ada.timeline_public()]
    time.sleep(2.1)
    assert ada.mutes() == []
    assert words["id"] in [s["id"] for s in ada.timeline_public()]
    assert ada.account_relationships(cy_id)[0]["muting"] is False
