"""Storage port and backends. `open_store` picks the backend from the store URL."""

from __future__ import annotations

from chirp.storage.port import Store, UniqueViolation

__all__ = ["Store", "UniqueViolation", "open_store"]


async def open_store(url: str) -> Store:
    """Open (and migrate) the store named by `url`: `sqlite:///path/to/chirp.db` or `sqlite://:memory:`."""
    if url.startswith("sqlite://"):
        from chirp.storage.sqlite import SqliteStore

        return await SqliteStore.open(url.removeprefix("sqlite://").removeprefix("/") or ":memory:")
    raise ValueError(f"unsupported store URL scheme: {url.split(':', 1)[0]!r}")
