"""What clients call at start-up and on their main screens (issue 20), through Mastodon.py against
a real `chirp serve`: instance v2, preferences, markers, custom emojis, announcements, nodeinfo,
WebFinger; grouped notifications and a muted conversation; a locked account's follow requests;
followed and featured tags; statuses by id."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon

from tests.e2e.process import ChirpProcess
from tests.e2e.test_social_mastodon_py import SCOPES, _user, eventually


def _users(url: str, *names: str) -> list[Mastodon]:
    app = Mastodon.create_app("chirp clients e2e", scopes=SCOPES, api_base_url=url)
    return [_user(url, app, name) for name in names]


def test_start_up_reads(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    host = urlsplit(url).netloc
    ada, bob = _users(url, "ada", "bob")

    instance = ada.instance_v2()
    assert instance["domain"] == host
    assert instance["api_versions"]["mastodon"] >= 2
    assert instance["configuration"]["urls"]["streaming"].startswith("ws")
    assert instance["configuration"]["statuses"]["max_characters"] == 500
    assert isinstance(ada.instance_rules(), list)
    assert "content" in ada.instance_extended_description()

    # Preferences are the account's posting defaults, which update_credentials sets.
    assert ada.preferences()["posting:default:visibility"] == "public"
    updated = ada.account_update_credentials(
        default_privacy="private", default_sensitive=True, default_language="de"
    )
    assert updated["source"]["privacy"] == "private"
    preferences = ada.preferences()
    assert preferences["posting:default:visibility"] == "private"
    assert preferences["posting:default:sensitive"] is True
    assert preferences["posting:default:language"] == "de"
    assert ada.account_verify_credentials()["source"]["language"] == "de"

    # Markers: where the reader stopped, per timeline, with a version that moves.
    first = bob.status_post("first")
    second = bob.status_post("second")
    assert ada.markers_get(["home", "notifications"]) == {}
    home = ada.markers_set("home", first["id"])["home"]
    assert str(home["last_read_id"]) == str(first["id"])
    moved = ada.markers_set("home", second["id"])["home"]
    assert moved["version"] > home["version"]
    read = ada.markers_get(["home", "notifications"])
    assert list(read) == ["home"]
    assert str(read["home"]["last_read_id"]) == str(second["id"])

    # The notifications marker decides what is unread.
    bob.account_follow(ada.me()["id"])
    notes = eventually(lambda: ada.notifications(), lambda page: len(page) == 1)
    assert ada.notifications_unread_count()["count"] == 1
    ada.markers_set("notifications", notes[0]["id"])
    assert ada.notifications_unread_count()["count"] == 0

    # Nothing configured yet: empty lists, not 404s.
    assert ada.custom_emojis() == []
    assert ada.announcements() == []

    # Discovery documents other software reads before it talks to the API.
    nodeinfo = ada.instance_nodeinfo()
    assert nodeinfo["version"] == "2.0"
    assert re.fullmatch(r"[a-z0-9-]+", nodeinfo["software"]["name"])  # the schema's rule
    assert nodeinfo["software"]["version"]
    assert nodeinfo["usage"]["users"]["total"] == 2
    assert nodeinfo["usage"]["localPosts"] == 2
    assert nodeinfo["openRegistrations"] is True

    finger = requests.get(
        f"{url}/.well-known/webfinger", params={"resource": f"acct:ada@{host}"}, timeout=10
    )
    assert finger.status_code == 200
    assert finger.headers["Content-Type"].startswith("application/jrd+json")
    assert finger.json()["subject"] == f"acct:ada@{host}"
    profile = "http://webfinger.net/rel/profile-page"
    pages = [link["href"] for link in finger.json()["links"] if link["rel"] == profile]
    assert pages == [f"{url}/@ada"]
    unknown = requests.get(
        f"{url}/.well-known/webfinger", params={"resource": f"acct:nobody@{host}"}, timeout=10
    )
    assert unknown.status_code == 404
    host_meta = requests.get(f"{url}/.well-known/host-meta", timeout=10)
    assert host_meta.status_code == 200
    assert f'template="{url}/.well-known/webfinger?resource={{uri}}"' in host_meta.text


def test_grouped_notifications_and_a_muted_conversation(chirp_server: ChirpProcess) -> None:
    ada, bob, cy = _users(chirp_server.url, "ada", "bob", "cy")
    ada_id, bob_id, cy_id = (api.me()["id"] for api in (ada, bob, cy))

    hello = ada.status_post("hello everyone")
    bob.status_favourite(hello["id"])
    cy.status_favourite(hello["id"])
    bob.status_reblog(hello["id"])
    bob.account_follow(ada_id)
    cy.account_follow(ada_id)

    results = eventually(
        lambda: ada.grouped_notifications(expand_accounts="full"),
        lambda page: sum(g["notifications_count"] for g in page["notification_groups"]) == 5,
    )
    groups = {group["type"]: group for group in results["notification_groups"]}
    assert sorted(groups) == ["favourite", "follow", "reblog"]
    favourites = groups["favourite"]
    assert favourites["notifications_count"] == 2
    assert str(favourites["status_id"]) == str(hello["id"])
    assert sorted(map(str, favourites["sample_account_ids"])) == sorted(map(str, [bob_id, cy_id]))
    assert groups["follow"]["notifications_count"] == 2
    assert {str(a["id"]) for a in results["accounts"]} == {str(bob_id), str(cy_id)}
    assert [str(s["id"]) for s in results["statuses"]] == [str(hello["id"])]

    assert ada.unread_grouped_notifications_count() == 3
    assert ada.notifications_unread_count()["count"] == 5
    one = ada.grouped_notification(favourites["group_key"])
    assert [g["group_key"] for g in one["notification_groups"]] == [favourites["group_key"]]
    accounts = ada.grouped_notification_accounts(favourites["group_key"])
    assert sorted(str(a["id"]) for a in accounts) == sorted(map(str, [bob_id, cy_id]))
    ada.dismiss_grouped_notification(favourites["group_key"])
    remaining = ada.grouped_notifications()["notification_groups"]
    assert sorted(g["type"] for g in remaining) == ["follow", "reblog"]

    # Follows left out of the grouped types come one group each.
    ungrouped = ada.grouped_notifications(grouped_types=["favourite"])["notification_groups"]
    assert sorted(g["type"] for g in ungrouped) == ["follow", "follow", "reblog"]

    # Muting the conversation silences the thread, and only it.
    assert ada.status_mute(hello["id"])["muted"] is True
    bob.status_post("@ada replying in the thread", in_reply_to_id=hello["id"])
    cy.status_reblog(hello["id"])
    elsewhere = bob.status_post("@ada over here")
    mentions = eventually(
        lambda: ada.notifications(types=["mention", "reblog"]),
        lambda page: any(n["status"]["id"] == elsewhere["id"] for n in page),
    )
    assert [n["status"]["id"] for n in mentions if n["type"] == "mention"] == [elsewhere["id"]]
    assert [n["account"]["id"] for n in mentions if n["type"] == "reblog"] == [bob_id]
    assert ada.status_unmute(hello["id"])["muted"] is False
    again = bob.status_post("@ada and back in the thread", in_reply_to_id=hello["id"])
    eventually(
        lambda: ada.notifications(types=["mention"]),
        lambda page: any(n["status"]["id"] == again["id"] for n in page),
    )
    assert again["id"] in [n["status"]["id"] for n in ada.notifications(types=["mention"])]


def test_a_locked_account_and_its_follow_requests(chirp_server: ChirpProcess) -> None:
    ada, bob, cy = _users(chirp_server.url, "ada", "bob", "cy")
    ada_id, bob_id, cy_id = (api.me()["id"] for api in (ada, bob, cy))

    assert cy.account_update_credentials(locked=True)["locked"] is True
    requested = ada.account_follow(cy_id)
    assert (requested["requested"], requested["following"]) == (True, False)
    bob.account_follow(cy_id)
    pending = cy.follow_requests()
    assert sorted(a["id"] for a in pending) == sorted([ada_id, bob_id])
    notes = eventually(
        lambda: cy.notifications(types=["follow_request"]), lambda page: len(page) == 2
    )
    assert {n["account"]["id"] for n in notes} == {ada_id, bob_id}

    assert cy.follow_request_authorize(ada_id)["followed_by"] is True
    assert cy.follow_request_reject(bob_id)["followed_by"] is False
    assert cy.follow_requests() == []
    ada_sees, bob_sees = (api.account_relationships([cy_id])[0] for api in (ada, bob))
    assert (ada_sees["following"], ada_sees["requested"]) == (True, False)
    assert (bob_sees["following"], bob_sees["requested"]) == (False, False)

    # Followers-only posts reach the approved follower, and only her.
    secret = cy.status_post("for my followers", visibility="private")
    eventually(lambda: ada.timeline_home(), lambda page: any(s["id"] == secret["id"] for s in page))
    assert secret["id"] not in [s["id"] for s in bob.timeline_home()]
    assert [s["id"] for s in bob.statuses([secret["id"]])] == []
    assert [s["id"] for s in ada.statuses([secret["id"]])] == [secret["id"]]

    # Accounts by id, familiar followers, a private note, and removing a follower.
    assert {a["id"] for a in ada.accounts([bob_id, cy_id])} == {bob_id, cy_id}
    bob.account_follow(ada_id)
    # Mastodon.py sends these ids as a JSON body on the GET (Rails reads it): one entry per id.
    familiar = bob.account_familiar_followers(cy_id)
    assert [str(entry["id"]) for entry in familiar] == [str(cy_id)]
    assert [a["id"] for a in familiar[0]["accounts"]] == [ada_id]  # bob follows ada, who follows cy
    assert ada.account_note_set(cy_id, "met at the conference")["note"] == "met at the conference"
    removed = cy.account_remove_from_followers(ada_id)
    assert removed["followed_by"] is False
    assert ada.account_relationships([cy_id])[0]["following"] is False
    assert bob.account_familiar_followers(cy_id)[0]["accounts"] == []


def test_followed_and_featured_tags_and_statuses_by_id(chirp_server: ChirpProcess) -> None:
    ada, bob = _users(chirp_server.url, "ada", "bob")

    unused = ada.tag("nobodysaidthis")
    assert unused["name"] == "nobodysaidthis"
    assert all(day["uses"] == "0" for day in unused["history"])
    assert unused["following"] is False

    # A followed tag brings a stranger's post to the home timeline.
    assert ada.tag_follow("Gardening")["following"] is True
    assert [t["name"].lower() for t in ada.followed_tags()] == ["gardening"]
    assert ada.tag("gardening")["following"] is True
    tagged = bob.status_post("Tomatoes are in #gardening")
    eventually(lambda: ada.timeline_home(), lambda page: any(s["id"] == tagged["id"] for s in page))
    assert ada.tag_unfollow("gardening")["following"] is False
    assert ada.followed_tags() == []

    # Featured tags: suggested from what one posts, then shown on the profile.
    bob.status_post("More #gardening today")
    suggested = [t["name"].lower() for t in bob.featured_tag_suggestions()]
    assert "gardening" in suggested
    featured = bob.featured_tag_create("gardening")
    assert featured["name"].lower() == "gardening"
    assert int(featured["statuses_count"]) == 2
    assert [t["id"] for t in bob.featured_tags()] == [featured["id"]]
    bob_id = bob.me()["id"]
    assert [t["name"].lower() for t in ada.account_featured_tags(bob_id)] == ["gardening"]
    bob.featured_tag_delete(featured["id"])
    assert bob.featured_tags() == []
    assert ada.account_featured_tags(bob_id) == []

    # Statuses by id: unknown ids left out.
    first = bob.status_post("one")
    second = bob.status_post("two")
    batch = ada.statuses([second["id"], first["id"], 1])
    assert sorted(s["id"] for s in batch) == sorted([first["id"], second["id"]])


def test_follow_options_through_mastodon_py(chirp_server: ChirpProcess) -> None:
    """`account_follow(reblogs=False, notify=True)` as Mastodon.py sends it (a form): the
    relationship says so, the boosts stay out of the home timeline, a post notifies."""
    ada, bob, cy = _users(chirp_server.url, "ada", "bob", "cy")
    bob_id = bob.me()["id"]
    relation = ada.account_follow(bob_id, reblogs=False, notify=True)
    assert (relation["showing_reblogs"], relation["notifying"]) == (False, True)
    assert ada.account_relationships(bob_id)[0]["notifying"] is True
    boosted = bob.status_reblog(cy.status_post("cy's")["id"])
    news = bob.status_post("bob's news")
    notes = eventually(lambda: ada.notifications(types=["status"]), lambda page: len(page) == 1)
    assert str(notes[0]["status"]["id"]) == str(news["id"])
    home = [str(s["id"]) for s in ada.timeline_home()]
    assert str(news["id"]) in home and str(boosted["id"]) not in home
    again = ada.account_follow(bob_id)  # Mastodon.py sends the defaults: they are set again
    assert (again["showing_reblogs"], again["notifying"]) == (True, False)
