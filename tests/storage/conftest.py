from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chirp.storage import Store
from tests.storage.backends import BACKENDS


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with BACKENDS[request.param](tmp_path) as opened:
        yield opened
