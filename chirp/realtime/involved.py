"""The accounts a streamed tweet involves, carried beside its JSON on the bus.

A tweet is serialized once for every socket; each subscriber then drops it if they block, are
blocked by or mute an account it involves (its author first, the retweeted and quoted authors,
the replied-to and mentioned accounts, as Mastodon's streaming filters). The ids travel as a
short prefix of the bus payload, which the hub splits off once per message: filtering is then
a set intersection per subscriber, with no JSON parsing.
"""

from __future__ import annotations

from collections.abc import Iterable

MARK = "\x1f"  # never the first character of JSON text or of a bare id
NONE: tuple[int, ...] = ()


def tag(payload: str, account_ids: Iterable[int]) -> str:
    """`payload` with the involved accounts (the author first) in front."""
    return f"{MARK}{','.join(map(str, dict.fromkeys(account_ids)))}{MARK}{payload}"


def split(payload: str) -> tuple[tuple[int, ...], str]:
    """(involved accounts, author first; the payload as clients get it)."""
    if not payload.startswith(MARK):
        return NONE, payload
    end = payload.find(MARK, 1)
    if end < 0:
        return NONE, payload
    head = payload[1:end]
    return tuple(int(i) for i in head.split(",") if i), payload[end + 1 :]


def hides(hidden: frozenset[int], viewer_id: int | None, involved: tuple[int, ...]) -> bool:
    """Whether a subscriber hiding `hidden` drops a message involving these accounts (never
    their own tweets)."""
    return bool(involved) and involved[0] != viewer_id and not hidden.isdisjoint(involved)
