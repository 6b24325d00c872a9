from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from chirp.limits import Limiter
from chirp.limits.memory import MemoryLimiter
from chirp.limits.redis import RedisLimiter
from tests.redis_server import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[Limiter]:
    """Every backend of the limiter port; a new backend adds one entry."""
    backend: Limiter
    if request.param == "redis":
        backend = RedisLimiter(str(request.getfixturevalue("redis_url")))
    else:
        backend = MemoryLimiter()
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
def key() -> str:
    """A key no other test used (the Redis server is shared by the module)."""
    return uuid.uuid4().hex
