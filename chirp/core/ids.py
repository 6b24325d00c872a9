"""64-bit time-sortable snowflake ids, laid out as Mastodon's: milliseconds << 16 | node | sequence.

Mastodon clients compare ids as strings of digits of equal length, and `max_id`/`min_id` cursors work
as timestamps, so the layout matters: 48 bits of Unix milliseconds, 6 bits of node id (64 nodes can
mint ids at once without coordination), 10 bits of per-millisecond sequence (1,024 ids/ms/node).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

NODE_BITS = 6
SEQUENCE_BITS = 10
_SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1
_LOW_BITS = NODE_BITS + SEQUENCE_BITS


class SnowflakeGenerator:
    """Mints unique, strictly increasing ids for one node; safe to share between threads."""

    def __init__(self, node_id: int | None = None) -> None:
        if node_id is None:
            node_id = int.from_bytes(os.urandom(1)) & ((1 << NODE_BITS) - 1)
        if not 0 <= node_id < (1 << NODE_BITS):
            raise ValueError(f"node id must be in [0, {1 << NODE_BITS})")
        self._node = node_id << SEQUENCE_BITS
        self._last_ms = 0
        self._sequence = 0
        self._lock = threading.Lock()

    def next_id(self) -> int:
        with self._lock:
            now = time.time_ns() // 1_000_000
            if now <= self._last_ms:
                # Same millisecond, or the clock stepped back: keep counting from the last value so
                # ids never repeat or go backwards.
                now = self._last_ms
                self._sequence = (self._sequence + 1) & _SEQUENCE_MASK
                if self._sequence == 0:
                    now += 1
            else:
                self._sequence = 0
            self._last_ms = now
            return (now << _LOW_BITS) | self._node | self._sequence


def id_time(snowflake: int) -> datetime:
    """The UTC instant an id was minted at."""
    return datetime.fromtimestamp((snowflake >> _LOW_BITS) / 1000, tz=UTC)


def id_at(when: datetime) -> int:
    """The smallest id minted at `when`: a cursor for time-based pagination."""
    return int(when.timestamp() * 1000) << _LOW_BITS
