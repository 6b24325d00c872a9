"""Row <-> model conversion helpers shared by the SQLite aggregate modules."""

from __future__ import annotations

from datetime import datetime


def ts(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def req_dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def words(value: str) -> tuple[str, ...]:
    return tuple(value.split())


def unix_ms(value: datetime) -> int:
    """Milliseconds since the epoch: times compared often (heartbeats, leases) as integers."""
    return int(value.timestamp() * 1000)
