"""Staff roles as Mastodon shows them (`Role`, and the highlighted roles of an `Account`)."""

from __future__ import annotations

from typing import Any

# Mastodon's seeded roles: their ids, names and permission bits (`UserRole::FLAGS`).
_ROLES: dict[str, tuple[str, str, int]] = {
    "moderator": ("1", "Moderator", 8 | 4 | 1024 | 16 | 256),
    "admin": ("2", "Admin", 983_036),
    "owner": ("3", "Owner", 1),  # `administrator`: every permission
}
EVERYONE = {"id": "-99", "name": "", "permissions": "65536", "color": "", "highlighted": False}


def role_json(role: str | None) -> dict[str, Any]:
    """`CredentialAccount.role` and `Admin::Account.role`: everyone's default role for users."""
    if role not in _ROLES:
        return dict(EVERYONE)
    role_id, name, permissions = _ROLES[role]
    return {
        "id": role_id,
        "name": name,
        "permissions": str(permissions),
        "color": "",
        "highlighted": True,
    }


def account_roles_json(role: str | None) -> list[dict[str, Any]]:
    """`Account.roles`: the highlighted roles shown on a profile."""
    if role not in _ROLES:
        return []
    role_id, name, _ = _ROLES[role]
    return [{"id": role_id, "name": name, "color": ""}]
