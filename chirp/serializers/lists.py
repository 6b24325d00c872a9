"""Mastodon's List entity."""

from __future__ import annotations

from typing import Any

from chirp.core.models import UserList


def list_json(user_list: UserList) -> dict[str, Any]:
    return {
        "id": str(user_list.id),
        "title": user_list.title,
        "replies_policy": user_list.replies_policy,
        "exclusive": user_list.exclusive,
    }
