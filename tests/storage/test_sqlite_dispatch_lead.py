"""One dispatcher per SQLite file: processes sharing the file take turns, not batches."""

from __future__ import annotations

from pathlib import Path

from chirp.storage.sqlite import SqliteStore


async def test_one_store_per_file_leads_the_dispatch_until_it_closes(tmp_path: Path) -> None:
    path = str(tmp_path / "chirp.db")
    first = await SqliteStore.open(path)
    second = await SqliteStore.open(path)  # as another worker process: its own lock file
    try:
        assert await first.lead_dispatch()
        assert await first.lead_dispatch()  # kept
        assert not await second.lead_dispatch()
        await first.close()
        assert await second.lead_dispatch()  # taken over once the leader is gone
    finally:
        await second.close()
        await first.close()  # closing twice is harmless
