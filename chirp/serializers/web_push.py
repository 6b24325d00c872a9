"""Web Push JSON: the subscription (Mastodon's WebPushSubscription) and the payload a push
carries (Mastodon's `Web::NotificationSerializer`: what a service worker shows at once).

The payload has no `access_token`: Mastodon puts the subscribing token there, but Chirp keeps
only digests of tokens, and a push passes through a third party's service."""

from __future__ import annotations

from typing import Any

from chirp.config import Settings
from chirp.core.models import Account, Notification, PushSubscription, Status
from chirp.core.web_push import ALERTS
from chirp.serializers.accounts import DEFAULT_AVATAR_PATH

BODY_MAX = 140

# Mastodon's English notification mail subjects, which its pushes use as titles.
TITLES = {
    "mention": "You were mentioned by {name}",
    "quote": "{name} quoted your post",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} is now following you",
    "follow_request": "Pending follower: {name}",
    "favourite": "{name} favorited your post",
    "poll": "A poll by {name} has ended",
    "update": "{name} edited a post",
    "quoted_update": "{name} edited a post you quoted",
    "admin.sign_up": "{name} signed up",
    "admin.report": "New report by {name}",
}


def subscription_json(subscription: PushSubscription, server_key: str) -> dict[str, Any]:
    return {
        "id": str(subscription.id),
        "endpoint": subscription.endpoint,
        "standard": subscription.standard,
        "alerts": {name: name in subscription.alerts for name in ALERTS},
        "server_key": server_key,
        "policy": subscription.policy,
    }


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BODY_MAX else text[: BODY_MAX - 1].rstrip() + "…"


def push_payload(
    notification: Notification,
    sender: Account,
    status: Status | None,
    settings: Settings,
    locale: str = "en",
) -> dict[str, Any]:
    name = sender.display_name.strip() or sender.username
    body = (status.spoiler_text or status.text) if status is not None else sender.note
    return {
        "notification_id": str(notification.id),
        "notification_type": notification.type,
        "preferred_locale": locale,
        "icon": sender.avatar_static_url or settings.base_url + DEFAULT_AVATAR_PATH,
        "title": TITLES.get(notification.type, "{name}").format(name=name),
        "body": _truncate(body),
    }
