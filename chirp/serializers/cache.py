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

# An entry holds the JSON and the record it came from: ~2 KB. The budget (`render_cache_mb`)
# is split so that a page's ~20 statuses and ~15 accounts find room in the same proportion:
# half for statuses' shared members, a quarter for whole plain statuses, a quarter for accounts.
ENTRY_BYTES = 2048
DEFAULT_MB = 64


def entries_for(megabytes: float) -> tuple[int, int]:
    """(status entries, account entries) that fit in a budget of `megabytes`."""
    total = max(int(megabytes * 1024 * 1024 / ENTRY_BYTES), 4)
    return total // 2, total // 4


STATUS_ENTRIES, ACCOUNT_ENTRIES = entries_for(DEFAULT_MB)


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

    @classmethod
    def within(cls, megabytes: float) -> RenderCache:
        statuses, accounts = entries_for(megabytes)
        return cls(statuses=statuses, accounts=accounts)

    def lookups(self) -> tuple[int, int]:
        """(hits, misses) so far over the three maps."""
        parts = (self.statuses, self.plain, self.accounts)
        return sum(p.hits for p in parts), sum(p.misses for p in parts)
