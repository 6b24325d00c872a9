from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from chirp.server.keys import CONTEXT
from tests.webpush.push_service_double import PushServiceDouble


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    # The double listens on loopback over plain http; retries come quickly.
    return {
        "data_dir": tmp_path / "data",
        "web_push_allow_local": True,
        "web_push_retry_seconds": 0.05,
    }


@pytest.fixture
async def push_service(app: web.Application) -> AsyncIterator[PushServiceDouble]:
    double = PushServiceDouble()
    await double.start()
    try:
        yield double
    finally:
        await double.close()


@pytest.fixture
def server_key(app: web.Application, push_service: PushServiceDouble) -> str:
    """Known once the app started (the `client` fixture): the double checks pushes against it."""
    keys = app[CONTEXT].web_push
    assert keys is not None
    push_service.server_key = keys.public_key
    return keys.public_key
