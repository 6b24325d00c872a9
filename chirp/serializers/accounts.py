"""Account JSON (Mastodon `Account` and `CredentialAccount`)."""

from __future__ import annotations

from typing import Any

from chirp.config import Settings
from chirp.core.emojis import EmojiSet
from chirp.core.models import Account, AccountSource
from chirp.serializers.common import iso, plain_to_html
from chirp.serializers.emojis import emojis_json
from chirp.serializers.roles import account_roles_json, role_json

DEFAULT_AVATAR_PATH = "/avatars/original/missing.png"
DEFAULT_HEADER_PATH = "/headers/original/missing.png"


def account_json(
    account: Account,
    settings: Settings,
    emojis: EmojiSet | None = None,
    roles: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`emojis`: the custom emoji set, to list those of the display name and bio; `roles`: the
    account's highlighted staff roles (`serializers.moderation.account_roles_json`), where the
    caller loaded them."""
    base = settings.base_url
    url = f"{base}/@{account.username}"
    # A picture the account set (its blob store URL), else the served default: never a dead link.
    avatar = account.avatar_url or base + DEFAULT_AVATAR_PATH
    header = account.header_url or base + DEFAULT_HEADER_PATH
    avatar_static = account.avatar_static_url or avatar
    header_static = account.header_static_url or header
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
        "avatar_static": avatar_static,
        "header": header,
        "header_static": header_static,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.statuses_count,
        "last_status_at": account.last_status_at.date().isoformat()
        if account.last_status_at
        else None,
        "emojis": emojis_json(
            emojis,
            account.display_name,
            account.note,
            *(text for f in account.fields for text in (f.name, f.value)),
        ),
        "fields": [
            {"name": f.name, "value": f.value_html, "verified_at": None} for f in account.fields
        ],
        "roles": roles or [],
    }


def credential_account_json(
    account: Account,
    source: AccountSource,
    settings: Settings,
    emojis: EmojiSet | None = None,
) -> dict[str, Any]:
    """The signed-in user's own account, with the editable `source` block (raw note and
    fields, posting defaults)."""
    body = account_json(account, settings, emojis, account_roles_json(source.role))
    body["source"] = {
        "privacy": account.default_privacy,
        "sensitive": account.default_sensitive,
        "language": account.default_language or source.locale,
        "note": account.note,
        "fields": [{"name": f.name, "value": f.value, "verified_at": None} for f in account.fields],
        "follow_requests_count": source.follow_requests_count,
        "hide_collections": False,
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "attribution_domains": [],
    }
    body["role"] = role_json(source.role)
    return body


def preferences_json(account: Account) -> dict[str, Any]:
    """Mastodon's `Preferences`: the posting defaults are the account's own (`source`); the
    reading ones are Mastodon's defaults, which Chirp has no setting for."""
    return {
        "posting:default:visibility": account.default_privacy,
        "posting:default:sensitive": account.default_sensitive,
        "posting:default:language": account.default_language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }


def familiar_followers_json(
    found: list[tuple[int, list[Account]]], settings: Settings, emojis: EmojiSet | None = None
) -> list[dict[str, Any]]:
    return [
        {"id": str(target), "accounts": [account_json(a, settings, emojis) for a in followers]}
        for target, followers in found
    ]
