"""Lists go to PostgreSQL as array literals typed by the statement (`_ArrayLiteralDumper`):
every value comes back as it went, whatever its characters."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chirp.storage.postgresql.db import PgDatabase
from tests.storage.backends import POSTGRESQL


@pytest.fixture
async def db() -> AsyncIterator[PgDatabase]:
    url = await POSTGRESQL.fresh_database()
    opened = await PgDatabase.open(url)
    try:
        yield opened
    finally:
        await opened.close()
        await POSTGRESQL.drop_database(url)


TEXTS = ['a"b\\c', "x,y", "{}", " spaced ", "NULL", "", "é ☃", None]


async def test_texts_and_nulls_come_back_as_they_went(db: PgDatabase) -> None:
    assert await db.fetchval("SELECT CAST(? AS TEXT[])", (TEXTS,)) == TEXTS


async def test_numbers_and_flags(db: PgDatabase) -> None:
    ids = [2**62, -1, 0, None]
    assert await db.fetchval("SELECT CAST(? AS BIGINT[])", (ids,)) == ids
    assert await db.fetchval("SELECT CAST(? AS BIGINT[])", ([True, False],)) == [1, 0]
    assert await db.fetchval("SELECT CAST(? AS FLOAT8[])", ([0.5, 1e20],)) == [0.5, 1e20]


async def test_an_in_list_takes_its_column_type(db: PgDatabase) -> None:
    names = ["ann", 'b"o', None]
    assert (
        await db.fetchval("SELECT count(*) FROM accounts WHERE username IN (?, ?, ?)", names) == 0
    )
    rows = await db.fetchall(
        "SELECT x FROM unnest(CAST(? AS TEXT[])) AS x WHERE x IN (?, ?)", (names, "ann", 'b"o')
    )
    assert sorted(r[0] for r in rows) == ["ann", 'b"o']


async def test_other_elements_are_refused(db: PgDatabase) -> None:
    with pytest.raises(Exception, match="no array literal for a dict element"):
        await db.fetchval("SELECT CAST(? AS TEXT[])", ([{"a": 1}],))
