"""Migration 0013 indexes the links of the tweets written before it (the link timeline)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chirp.core.models import Page
from chirp.core.text import link_key
from chirp.storage.sqlite import SqliteStore
from tests.storage.factories import make_account, post


async def test_tweets_written_before_migration_0013_join_the_link_timeline(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chirp.db"
    url = "https://example.com/old-news"
    store = await SqliteStore.open(str(path))
    try:
        author = await make_account(store)
        linked = await post(store, author, f"read {url} and https://other.example/")
        await post(store, author, "no link at all")
    finally:
        await store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM status_links")  # as before 0013
    conn.execute("DROP TABLE status_links")
    for table in ("tag_follows", "featured_tags"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DROP INDEX status_tags_by_account")
    conn.execute("DELETE FROM schema_migrations WHERE version = 13")
    conn.close()

    store = await SqliteStore.open(str(path))
    try:
        assert await store.link_timeline(link_key(url) or "", Page()) == [linked.id]
        other = link_key("https://other.example/") or ""
        assert await store.link_timeline(other, Page()) == [linked.id]
    finally:
        await store.close()
