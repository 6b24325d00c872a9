"""Every storage backend the conformance suite runs against. A new backend adds one entry."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from chirp.storage import Store, open_store

BackendFactory = Callable[[Path], AbstractAsyncContextManager[Store]]


@asynccontextmanager
async def sqlite_file(tmp: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp / 'chirp.db'}")
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def sqlite_memory(tmp: Path) -> AsyncIterator[Store]:
    store = await open_store("sqlite://:memory:")
    try:
        yield store
    finally:
        await store.close()


BACKENDS: dict[str, BackendFactory] = {"sqlite-file": sqlite_file, "sqlite-memory": sqlite_memory}
