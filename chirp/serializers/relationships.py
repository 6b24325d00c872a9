"""Relationship JSON (Mastodon `Relationship`)."""

from __future__ import annotations

from typing import Any

from chirp.core.ports.follows import Relationship


def relationship_json(account_id: int, relation: Relationship) -> dict[str, Any]:
    following = relation.following
    return {
        "id": str(account_id),
        "following": following is not None,
        "showing_reblogs": following is not None and following.show_reblogs,
        "notifying": following is not None and following.notify,
        "languages": list(following.languages) if following and following.languages else None,
        "followed_by": relation.followed_by,
        "blocking": relation.blocking,
        "blocked_by": relation.blocked_by,
        "muting": relation.muting,
        "muting_notifications": relation.muting_notifications,
        "requested": relation.requested,
        "requested_by": relation.requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": relation.note,
    }
