"""The SQLite store's files are this user's alone: data directory 0700, database files 0600
(they hold password hashes and token digests), whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from chirp.storage.sqlite import SqliteStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default: files 0644, directories 0755
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("open_umask")
async def test_a_new_store_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = await SqliteStore.open(str(data / "chirp.db"))
    try:
        assert mode(data) == 0o700
        files = sorted(path.name for path in data.iterdir())
        assert {"chirp.db", "chirp-feeds.db", "chirp.db-wal"} <= set(files)
        assert {name: mode(data / name) for name in files} == {name: 0o600 for name in files}
    finally:
        await store.close()


@pytest.mark.usefixtures("open_umask")
async def test_an_existing_readable_store_is_made_private(tmp_path: Path) -> None:
    store = await SqliteStore.open(str(tmp_path / "chirp.db"))
    await store.close()
    for path in tmp_path.iterdir():  # noqa: ASYNC240 (a test, between two opens)
        path.chmod(0o644)
    store = await SqliteStore.open(str(tmp_path / "chirp.db"))
    try:
        assert mode(tmp_path / "chirp.db") == 0o600
        assert mode(tmp_path / "chirp-feeds.db") == 0o600
    finally:
        await store.close()
