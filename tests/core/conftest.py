"""Shared fixtures for the use-case tests: a Context on an in-memory SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chirp.core.context import Context
from chirp.core.ids import SnowflakeGenerator
from chirp.core.secrets import Passwords
from chirp.storage import open_store
from tests.helpers import make_settings


@pytest.fixture
async def ctx() -> AsyncIterator[Context]:
    store = await open_store("sqlite://:memory:")
    yield Context(
        make_settings(),
        store,
        SnowflakeGenerator(3),
        Passwords(time_cost=1, memory_kib=8, parallelism=1),
    )
    await store.close()
