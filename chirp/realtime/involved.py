"""The accounts a streamed tweet involves, carried beside its JSON on the bus.

A tweet is serialized once for every socket; each subscriber then drops it if they block, are
blocked by or mute an account it involves (its author first, the retweeted and quoted authors,
the replied-to and mentioned accounts, as Mastodon's streaming filters). The ids travel as a
short prefix of the bus payload, which the hub splits off once per message: filtering is then
a set intersection per subscriber, with no JSON parsing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MARK = "\x1f"  # never the first character of JSON text or of a bare id
SUBJECT = "\x1e"
NONE: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Subject:
    """What content filters match a streamed tweet on: its id (and its original's, for a
    retweet) and its text (`filter_matching.subject_text`)."""

    status_ids: tuple[int, ...]
    text: str


def tag(payload: str, account_ids: Iterable[int], subject: Subject | None = None) -> str:
    """`payload` with the involved accounts (the author first) in front, and the `subject`
    for content filters after them."""
    head = f"{MARK}{','.join(map(str, dict.fromkeys(account_ids)))}{MARK}"
    if subject is None:
        return head + payload
    text = subject.text.replace(SUBJECT, " ").replace(MARK, " ")
    ids = ",".join(map(str, subject.status_ids))
    return f"{head}{SUBJECT}{ids}{SUBJECT}{text}{SUBJECT}{payload}"


def split_subject(payload: str) -> tuple[Subject | None, str]:
    """The filters' subject of a payload `split` left (None if it carries none)."""
    if not payload.startswith(SUBJECT):
        return None, payload
    ids_end = payload.find(SUBJECT, 1)
    text_end = payload.find(SUBJECT, ids_end + 1) if ids_end > 0 else -1
    if text_end < 0:
        return None, payload
    ids = tuple(int(i) for i in payload[1:ids_end].split(",") if i)
    return Subject(ids, payload[ids_end + 1 : text_end]), payload[text_end + 1 :]


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
