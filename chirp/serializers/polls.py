"""Mastodon's Poll entity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chirp.core.emojis import EmojiSet
from chirp.core.models import Poll
from chirp.serializers.common import iso
from chirp.serializers.emojis import emojis_json


def poll_counts_json(poll: Poll, now: datetime) -> dict[str, Any]:
    """What anyone may see of the poll: per-option counts hidden (null) until the end when
    `hide_totals`; `voters_count` only for a multiple-choice poll (null otherwise)."""
    expired = poll.expired(now)
    shown = expired or not poll.hide_totals
    return {
        "id": str(poll.id),
        "expires_at": iso(poll.expires_at),
        "expired": expired,
        "multiple": poll.multiple,
        "votes_count": sum(poll.votes),
        "voters_count": poll.voters_count if poll.multiple else None,
        "options": [
            {"title": title, "votes_count": count if shown else None}
            for title, count in zip(poll.options, poll.votes, strict=True)
        ],
    }


def poll_json(
    poll: Poll,
    now: datetime,
    emojis: EmojiSet | None,
    *,
    viewer_id: int | None,
    own_votes: tuple[int, ...] = (),
) -> dict[str, Any]:
    """`voted` and `own_votes` only for a signed-in viewer; the author counts as having voted
    (as Mastodon: an author cannot vote in their own poll)."""
    body = poll_counts_json(poll, now)
    body["emojis"] = emojis_json(emojis, *poll.options)
    if viewer_id is not None:
        body["voted"] = bool(own_votes) or viewer_id == poll.account_id
        body["own_votes"] = list(own_votes)
    return body
