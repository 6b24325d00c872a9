"""`chirp db init` on PostgreSQL and `chirp db copy` between SQLite, PostgreSQL and MongoDB (the
in-process stand-in), on the real PostgreSQL server the tests start (tests/postgresql_server.py)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from chirp.cli import main
from chirp.config import Settings
from chirp.core.models import Page
from chirp.storage import open_store
from chirp.storage.admin import AdminError, copy_store
from tests.postgresql_server import SHARED as POSTGRESQL
from tests.storage.factories import make_account
from tests.storage.mongo_standin import StandInClient
from tests.storage.test_mongodb_admin import _embedded_deployment


async def _deployment(url: str) -> dict[str, int]:
    store = await open_store(url)
    try:
        return await _embedded_deployment(store)
    finally:
        await store.close()


async def _home(url: str, owner_id: int) -> list[int]:
    store = await open_store(url)
    try:
        return await store.home_timeline(owner_id, Page(limit=40))
    finally:
        await store.close()


async def test_copy_sqlite_to_postgresql_and_back_keeps_everything(tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'chirp.db'}"
    made = await _deployment(sqlite_url)
    pg_url = await POSTGRESQL.fresh_database()
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    try:
        out = io.StringIO()
        report = await copy_store(sqlite_url, pg_url, Settings(), out)
        text = out.getvalue()
        assert report.ok, text
        assert "100%" in text and "0 mismatches" in text
        statuses = report.counts["statuses"]
        assert statuses[0] == statuses[1] > 0 and report.counts["home_feed"][0] > 0
        assert report.checked["account"] == 3 and report.checked["status"] == statuses[0]
        assert all(rows == copied for rows, copied in report.counts.values())

        # Full-text search and new writes work on the copy (the identity sequences moved on).
        target = await open_store(pg_url)
        try:
            status = await target.get_status(made["root"])
            assert status is not None
            word = status.text.split()[0]
            assert made["root"] in await target.search_statuses(
                word, viewer_id=status.account_id, limit=10, offset=0
            )
            await make_account(target, "afterwards")
        finally:
            await target.close()

        out = io.StringIO()
        report = await copy_store(pg_url, back_url, Settings(), out)
        assert report.ok, out.getvalue()
        assert report.source == "postgresql" and report.target == "sqlite"
        owners = report.counts["home_feed"][0]
        assert owners > 0
        back = await open_store(back_url)
        try:
            assert made["root"] in await back.search_statuses(
                word, viewer_id=status.account_id, limit=10, offset=0
            )
        finally:
            await back.close()
    finally:
        await POSTGRESQL.drop_database(pg_url)


async def test_copy_postgresql_to_mongodb(tmp_path: Path) -> None:
    pg_url = await POSTGRESQL.fresh_database()
    try:
        await _deployment(pg_url)
        client = StandInClient()
        out = io.StringIO()
        report = await copy_store(
            pg_url,
            "mongodb://standin.invalid/chirp",
            Settings(mongodb_database=""),
            out,
            client=client,  # type: ignore[arg-type]
        )
        assert report.ok, out.getvalue()
        assert report.counts["statuses"][0] > 0 and report.counts["polls"][0] == 1
        assert "postgresql rows" in out.getvalue() and "mongodb docs" in out.getvalue()
    finally:
        await POSTGRESQL.drop_database(pg_url)


async def test_copy_refuses_a_postgresql_target_that_holds_data(tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'chirp.db'}"
    await _deployment(sqlite_url)
    pg_url = await POSTGRESQL.fresh_database()
    try:
        target = await open_store(pg_url)
        try:
            await make_account(target, "already")
        finally:
            await target.close()
        with pytest.raises(AdminError, match="already holds accounts"):
            await copy_store(sqlite_url, pg_url, Settings(), io.StringIO())
        target = await open_store(pg_url)
        try:
            assert await target.get_status(1) is None
            assert (await target.count_accounts())[0] == 1
        finally:
            await target.close()
    finally:
        await POSTGRESQL.drop_database(pg_url)


async def test_copy_refuses_a_mongodb_source(tmp_path: Path) -> None:
    with pytest.raises(AdminError, match="MongoDB store is not supported"):
        await copy_store(
            "mongodb://standin.invalid/chirp",
            f"sqlite:///{tmp_path}/c.db",
            Settings(),
            io.StringIO(),
        )


async def test_db_init_migrates_postgresql_idempotently(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = await POSTGRESQL.fresh_database()
    try:
        await asyncio.to_thread(main, ["db", "init", "--store", url])
        await asyncio.to_thread(main, ["db", "init", "--store", url])
        assert capsys.readouterr().out.count("postgresql store migrated") == 2
    finally:
        await POSTGRESQL.drop_database(url)
