"""Rendered JSON kept between requests: the viewer-independent part of statuses and accounts.

An entry remembers the record it was rendered from and is used only while the record read for
the current request is equal to it. The store stays the only judge of what is current: every
request still reads its rows, so an edit, a new counter value or a renamed display name shows
at once, on every node, with nothing to invalidate; the cache only spares rendering the same
record twice. Per-viewer parts (favourited, reblogged, bookmarked, pinned, quote visibility) and
media (URLs may be signed and expire) are never kept here.
"""

from __future__ import annotations

from collections import OrderedDict

# Entries are ~2 KB (the JSON and the record it came from). A home-timeline page reaches ~20
# statuses and ~15 accounts; 2,000 readers' first pages in the REST benchmark reach 3,400
# statuses and 2,200 accounts.
STATUS_ENTRIES = 20_000
ACCOUNT_ENTRIES = 10_000


class Rendered:
    """A bounded map id -> (source, JSON bytes), least recently used out first."""

    __slots__ = ("_entries", "capacity", "hits", "misses")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[int, tuple[object, bytes]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: int, source: object) -> bytes | None:
        """The JSON rendered from `source` (compared with `==`), if kept."""
        found = self._entries.get(key)
        if found is not None and (found[0] is source or found[0] == source):
            self._entries.move_to_end(key)
            self.hits += 1
            return found[1]
        self.misses += 1
        return None

    def put(self, key: int, source: object, body: bytes) -> None:
        """`source` is kept as it is: records are values, nothing changes one after reading
        it (the SQLite store hands the same record to every reader while its row is unchanged,
        and then the identity check spares comparing it field by field)."""
        entries = self._entries
        entries[key] = (source, body)
        entries.move_to_end(key)
        if len(entries) > self.capacity:
            entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class RenderCache:
    """One per process (an app key): statuses and accounts as JSON."""

    __slots__ = ("accounts", "plain", "statuses")

    def __init__(self, *, statuses: int = STATUS_ENTRIES, accounts: int = ACCOUNT_ENTRIES) -> None:
        # A status's members shared by every viewer (an object without its closing part) ...
        self.statuses = Rendered(statuses)
        # ... and whole statuses as any viewer who did nothing to them sees them (no retweet,
        # quote or media): most of a page.
        self.plain = Rendered(statuses // 2)
        self.accounts = Rendered(accounts)
