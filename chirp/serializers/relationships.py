"""Relationship JSON (Mastodon `Relationship`)."""

from __future__ import annotations

from typing import Any

from chirp.core.ports.follows import Relationship


def relationship_json(account_id: int, relation: Relationship) -> dict[str, Any]:
    following = relation.following
    # The follow's options, or while it is only asked for, the request's (as Mastodon).
    chosen = following or relation.request
    return {
        "id": str(account_id),
        "following": following is not None,
        "showing_reblogs": chosen is not None and chosen.show_reblogs,
        "notifying": chosen is not None and chosen.notify,
        "languages": list(chosen.languages) if chosen and chosen.languages else None,
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
