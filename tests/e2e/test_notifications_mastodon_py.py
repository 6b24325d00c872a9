"""Grouped notifications, the notification policy and requests, and conversation mutes end to
end: Mastodon.py (its 4.3 methods and entity parsing) against a real `chirp serve`."""

from __future__ import annotations

from mastodon import Mastodon

from tests.e2e.process import ChirpProcess
from tests.e2e.test_social_mastodon_py import SCOPES, _user, eventually


def test_grouped_notifications_policy_requests_and_mutes(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    app = Mastodon.create_app("chirp notifications e2e", scopes=SCOPES, api_base_url=url)
    ada, bob, cy, dee = (_user(url, app, name) for name in ("ada", "bob", "cy", "dee"))
    ada_id = ada.me()["id"]

    # Three likes and two follows become two groups; a public mention stays alone.
    hello = ada.status_post("hello, world")
    for fan in (bob, cy, dee):
        fan.status_favourite(hello["id"])
    bob.account_follow(ada_id)
    cy.account_follow(ada_id)
    dee.status_post("@ada hi there")
    results = eventually(
        lambda: ada.grouped_notifications(expand_accounts="full"),
        lambda page: sum(g["notifications_count"] for g in page["notification_groups"]) == 6,
    )
    groups = results["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in groups] == [
        ("mention", 1),
        ("follow", 2),
        ("favourite", 3),
    ]
    likes = groups[2]
    assert likes["status_id"] == hello["id"]
    assert {s["id"] for s in results["statuses"]} >= {hello["id"]}
    assert len(results["accounts"]) == 3
    partial = ada.grouped_notifications(expand_accounts="partial_avatars")
    assert len(partial["partial_accounts"]) >= 1
    shown = ada.grouped_notification(likes["group_key"])
    assert shown["notification_groups"][0]["notifications_count"] == 3
    who = ada.grouped_notification_accounts(likes["group_key"])
    assert {a["acct"] for a in who} == {"bob", "cy", "dee"}
    assert ada.unread_grouped_notifications_count() == 3
    assert ada.notifications_unread_count()["count"] == 6
    ada.dismiss_grouped_notification(likes["group_key"])
    remaining = ada.grouped_notifications()["notification_groups"]
    assert [g["type"] for g in remaining] == ["mention", "follow"]

    # The policy: private mentions from strangers are filtered by default, into a request.
    policy = ada.notifications_policy()
    assert policy["for_private_mentions"] == "filter"
    psst = dee.status_post("@ada psst", visibility="direct")
    requests = eventually(lambda: ada.notification_requests(), lambda page: len(page) == 1)
    assert requests[0]["account"]["acct"] == "dee"
    assert requests[0]["last_status"]["id"] == psst["id"]
    assert ada.notifications_policy()["summary"]["pending_requests_count"] == 1
    assert psst["id"] not in {n["status"]["id"] for n in ada.notifications() if n["status"]}
    ada.accept_notification_request(requests[0]["id"])
    assert ada.notifications_merged() is True
    assert psst["id"] in {n["status"]["id"] for n in ada.notifications() if n["status"]}
    updated = ada.update_notifications_policy(for_not_following="drop")
    assert updated["for_not_following"] == "drop"

    # Muting her thread: Bob's reply to it notifies Ada no more.
    muted = ada.status_mute(hello["id"])
    assert muted["muted"] is True
    ada.update_notifications_policy(for_not_following="accept")
    ada.account_follow(bob.me()["id"])
    reply = bob.status_post("@ada a reply", in_reply_to_id=hello["id"])
    marker = bob.status_post("@ada elsewhere")
    eventually(
        lambda: ada.notifications(),
        lambda page: any(n["status"] and n["status"]["id"] == marker["id"] for n in page),
    )
    assert reply["id"] not in {n["status"]["id"] for n in ada.notifications() if n["status"]}
    assert ada.status_unmute(hello["id"])["muted"] is False
