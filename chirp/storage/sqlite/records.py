"""Tweets and accounts this process read lately, kept with the version of their row.

Every update of a `statuses` or `accounts` row bumps its `version` (triggers, migration 0007). A
batch read first asks for the versions of its rows (a covering read of two columns) and reads
and converts in full only the rows that are new to this process or changed since: a page of
tweets read the same twenty rows' twenty-odd columns and built the same records over and over.
The database decides what is current on every read, so another process's writes show at once.

Records are handed out shared, as every reader of the store treats them as values (nothing
changes a record after reading it).
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from chirp.storage.sqlite.db import Database, placeholders

R = TypeVar("R")

STATUSES = 20_000
ACCOUNTS = 10_000
# Follower ids kept in all, and the shortest list worth keeping (a short one reads in a few us).
FOLLOWER_IDS = 1_000_000
MIN_KEPT_FOLLOWERS = 50


class VersionedRecords(Generic[R]):
    """Bounded (least recently used out first) id -> (row version, record) for one table."""

    def __init__(
        self,
        table: str,
        columns: str,
        convert: Callable[[Sequence[Any]], R],
        capacity: int,
    ) -> None:
        self.table = table
        self.columns = columns
        self.convert = convert
        self.capacity = capacity
        self._kept: OrderedDict[int, tuple[int, R]] = OrderedDict()

    async def get_many(self, db: Database, ids: list[int]) -> dict[int, R]:
        """The records with these ids that exist, read in full only where their row changed."""
        marks = placeholders(ids)
        versions = await db.fetchall_now(
            f"SELECT id, version FROM {self.table} WHERE id IN ({marks})", ids
        )
        kept = self._kept
        found: dict[int, R] = {}
        stale: list[int] = []
        for row_id, version in versions:
            entry = kept.get(row_id)
            if entry is not None and entry[0] == version:
                kept.move_to_end(row_id)
                found[row_id] = entry[1]
            else:
                stale.append(row_id)
        if stale:
            rows = await db.fetchall_now(
                f"SELECT {self.columns}, version FROM {self.table}"
                f" WHERE id IN ({placeholders(stale)})",
                stale,
            )
            for row in rows:
                # The version comes from the same row as the columns: never a newer version
                # paired with older values.
                record = self.convert(row[:-1])
                kept[row[0]] = (row[-1], record)
                kept.move_to_end(row[0])
                found[row[0]] = record
            while len(kept) > self.capacity:
                kept.popitem(last=False)
        return found

    def __len__(self) -> int:
        return len(self._kept)


class FollowerLists:
    """Bounded account id -> (follower-set version, follower ids), for accounts whose lists
    are long enough to be worth keeping; `followers_version` (migration 0009) moves with every
    follow and unfollow, so a list is handed out only while it is current. Kept as packed
    64-bit arrays (8 bytes an id): a million ids in all is ~8 MB."""

    def __init__(self) -> None:
        self.capacity_ids = FOLLOWER_IDS
        self.min_length = MIN_KEPT_FOLLOWERS
        self._kept: OrderedDict[int, tuple[int, array[int]]] = OrderedDict()
        self._ids = 0

    def get(self, account_id: int, version: int) -> list[int] | None:
        entry = self._kept.get(account_id)
        if entry is None or entry[0] != version:
            return None
        self._kept.move_to_end(account_id)
        return entry[1].tolist()  # a new list each time: callers may change theirs

    def keep(self, account_id: int, version: int, follower_ids: list[int]) -> None:
        old = self._kept.pop(account_id, None)
        if old is not None:
            self._ids -= len(old[1])
        if len(follower_ids) < self.min_length or len(follower_ids) > self.capacity_ids:
            return
        self._kept[account_id] = (version, array("q", follower_ids))
        self._ids += len(follower_ids)
        while self._ids > self.capacity_ids:
            _, (_, dropped) = self._kept.popitem(last=False)
            self._ids -= len(dropped)
