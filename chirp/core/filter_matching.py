"""Matching tweets against an account's content filters, at a bounded cost.

An account's filters compile once into a `FilterSet`: per context, one regular expression
joining every keyword of every filter that applies there, and the set of filtered tweet ids.
Checking a tweet is then one regex search and one set lookup, whatever the number of filters;
only a tweet that matches is checked filter by filter, for its `FilterResult`s. Compiled sets
are kept per account (`FilterCache`) against the account's filters version, and rebuilt only
when a write raised it.

Keywords match as Mastodon matches them: case-insensitively, and with `whole_word` only at
word boundaries (a boundary is required only on a side where the keyword has a word
character), against the tweet's content warning, text, poll options and media descriptions.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chirp.core.models import Filter, FilterKeyword, FilterStatus, MediaAttachment, Poll, Status

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")
# Compiled sets kept per process: accounts reading lately.
CACHE_SIZE = 10_000
_WORD = re.compile(r"\w")


def keyword_pattern(keyword: FilterKeyword) -> str:
    escaped = re.escape(keyword.keyword)
    if not keyword.whole_word:
        return escaped
    start = r"\b" if _WORD.match(keyword.keyword[:1]) else ""
    end = r"\b" if _WORD.match(keyword.keyword[-1:]) else ""
    return f"{start}{escaped}{end}"


def _trie_pattern(words: Iterable[str]) -> str:
    """One alternation of `words` factored by common prefixes (`cat|car` -> `ca(?:t|r)`):
    the engine then tells at the first character which keywords can still match, where a
    flat alternation tries every keyword at every position of the text."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a keyword ends here

    def pattern(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:  # longer keywords first, this one if they fail
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
        return body

    return pattern(root)


def _union(keywords: Iterable[FilterKeyword]) -> re.Pattern[str] | None:
    """One expression for all the keywords: those needing word boundaries on both sides in
    one prefix trie between `\\b`s, those needing none in another, the rare rest as they are."""
    bounded, loose, other = set(), set(), []
    for keyword in keywords:
        text = keyword.keyword.lower()
        if not text:
            continue
        if not keyword.whole_word:
            loose.add(text)
        elif _WORD.match(text[:1]) and _WORD.match(text[-1:]):
            bounded.add(text)
        else:
            other.append(keyword_pattern(keyword))
    parts = [*other]
    if bounded:
        parts.append(rf"\b{_trie_pattern(sorted(bounded))}\b")
    if loose:
        parts.append(_trie_pattern(sorted(loose)))
    if not parts:
        return None
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FilterMatch:
    """One `FilterResult`: the filter, the keyword text it matched, the filtered tweets."""

    filter: Filter
    keyword_matches: tuple[str, ...] | None
    status_matches: tuple[int, ...] | None


@dataclass(slots=True)
class _Rule:
    filter: Filter
    keywords: re.Pattern[str] | None
    status_ids: frozenset[int]


@dataclass(slots=True)
class ContextFilters:
    """The filters of one context, compiled."""

    rules: list[_Rule]
    any_keyword: re.Pattern[str] | None
    status_ids: frozenset[int]

    def match(
        self, status_ids: Sequence[int], text: str | None, now: datetime
    ) -> list[FilterMatch]:
        """The filters matching a tweet: `status_ids` its id (and its original's, for a
        retweet); `text` from `subject_text`, or None when unknown (keywords then unchecked)."""
        hit_keyword = (
            self.any_keyword is not None
            and text is not None
            and self.any_keyword.search(text) is not None
        )
        if not hit_keyword and self.status_ids.isdisjoint(status_ids):
            return []
        found = []
        for rule in self.rules:
            if not rule.filter.active(now):
                continue
            keyword = (
                rule.keywords.search(text)
                if hit_keyword and rule.keywords is not None and text is not None
                else None
            )
            statuses = tuple(i for i in status_ids if i in rule.status_ids)
            if keyword is None and not statuses:
                continue
            found.append(
                FilterMatch(
                    rule.filter,
                    (keyword.group(0),) if keyword is not None else None,
                    statuses or None,
                )
            )
        return found


@dataclass(slots=True)
class FilterSet:
    """An account's filters, compiled per context on first use."""

    filters: list[Filter]
    _contexts: dict[str, ContextFilters | None] = field(default_factory=dict)

    def context(self, name: str) -> ContextFilters | None:
        """The compiled filters of a context; None if no filter applies there."""
        if name not in self._contexts:
            applying = [f for f in self.filters if name in f.context]
            self._contexts[name] = (
                ContextFilters(
                    [
                        _Rule(f, _union(f.keywords), frozenset(s.status_id for s in f.statuses))
                        for f in applying
                    ],
                    _union(k for f in applying for k in f.keywords),
                    frozenset(s.status_id for f in applying for s in f.statuses),
                )
                if applying
                else None
            )
        return self._contexts[name]

    @property
    def empty(self) -> bool:
        return not self.filters


EMPTY = FilterSet([])


class FilterCache:
    """Compiled filter sets by account, kept against the account's filters version (which
    every write to them raises, on any node), least recently used dropped first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._sets: OrderedDict[int, tuple[int, FilterSet]] = OrderedDict()
        self.compiled = 0

    def get(self, account_id: int, version: int) -> FilterSet | None:
        """The compiled set of that version of the account's filters, if kept."""
        kept = self._sets.get(account_id)
        if kept is None or kept[0] != version:
            return None
        self._sets.move_to_end(account_id)
        return kept[1]

    def put(self, account_id: int, version: int, filters: Sequence[Filter]) -> FilterSet:
        """Compile and keep the account's filters as read at (or after) `version`."""
        compiled = FilterSet(list(filters)) if filters else EMPTY
        self.compiled += 1
        self._sets[account_id] = (version, compiled)
        self._sets.move_to_end(account_id)
        while len(self._sets) > self.size:
            self._sets.popitem(last=False)
        return compiled


def subject_text(
    status: Status, poll: Poll | None = None, media: Iterable[MediaAttachment] = ()
) -> str:
    """What keywords are matched against (Mastodon's `searchable_text`)."""
    parts = [status.spoiler_text, status.text]
    if poll is not None:
        parts.append("\n\n".join(poll.options))
    parts.extend(m.description for m in media if m.description)
    return "\n\n".join(p for p in parts if p)


def hides(matches: Iterable[FilterMatch]) -> bool:
    return any(m.filter.action == "hide" for m in matches)


def filters_to_wire(filters: Iterable[Filter]) -> list[dict[str, object]]:
    """Filters as plain JSON values, for the bus (`filters_from_wire` reads them back)."""
    return [
        {
            "id": f.id,
            "account_id": f.account_id,
            "title": f.title,
            "context": list(f.context),
            "action": f.action,
            "expires_at": f.expires_at.isoformat() if f.expires_at else None,
            "keywords": [[k.id, k.keyword, k.whole_word] for k in f.keywords],
            "statuses": [[s.id, s.status_id] for s in f.statuses],
            "version": f.version,
        }
        for f in filters
    ]


def filters_from_wire(values: list[dict[str, Any]]) -> list[Filter]:
    return [
        Filter(
            id=v["id"],
            account_id=v["account_id"],
            title=v["title"],
            context=tuple(v["context"]),
            action=v["action"],
            expires_at=datetime.fromisoformat(v["expires_at"]) if v["expires_at"] else None,
            keywords=tuple(FilterKeyword(i, k, w) for i, k, w in v["keywords"]),
            statuses=tuple(FilterStatus(i, s) for i, s in v["statuses"]),
            version=v["version"],
        )
        for v in values
    ]
