"""Account JSON (Mastodon `Account` and `CredentialAccount`)."""

from __future__ import annotations

from typing import Any

from chirp.config import Settings
from chirp.core.emojis import EmojiSet
from chirp.core.models import Account, Credentials
from chirp.serializers.common import iso, plain_to_html
from chirp.serializers.emojis import emojis_json

DEFAULT_AVATAR_PATH = "/avatars/original/missing.png"
DEFAULT_HEADER_PATH = "/headers/original/missing.png"


def account_json(
    account: Account, settings: Settings, emojis: EmojiSet | None = None
) -> dict[str, Any]:
    """`emojis`: the custom emoji set, to list those of the display name and bio."""
    base = settings.base_url
    url = f"{base}/@{account.username}"
    avatar = base + DEFAULT_AVATAR_PATH
    header = base + DEFAULT_HEADER_PATH
    return {
        "id": str(account.id),
        "username": account.username,
        "acct": account.username,
        "display_name": account.display_name,
        "locked": account.locked,
        "bot": account.bot,
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "group": False,
        "noindex": False,
        "hide_collections": False,
        "created_at": iso(account.created_at.replace(hour=0, minute=0, second=0, microsecond=0)),
        "note": plain_to_html(account.note),
        "url": url,
        "uri": f"{base}/users/{account.username}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.statuses_count,
        "last_status_at": account.last_status_at.date().isoformat()
        if account.last_status_at
        else None,
        "emojis": emojis_json(emojis, account.display_name, account.note),
        "fields": [],
        "roles": [],
    }


def credential_account_json(
    account: Account,
    credentials: Credentials | None,
    settings: Settings,
    emojis: EmojiSet | None = None,
) -> dict[str, Any]:
    """The signed-in user's own account, with the editable `source` block."""
    body = account_json(account, settings, emojis)
    body["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": credentials.locale if credentials else None,
        "note": account.note,
        "fields": [],
        "follow_requests_count": 0,
        "hide_collections": False,
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "attribution_domains": [],
    }
    body["role"] = {"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": False}
    return body
