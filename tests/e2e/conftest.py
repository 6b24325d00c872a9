"""End-to-end fixtures: a real `chirp serve` subprocess on a free port and a fresh data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.process import ChirpProcess


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def chirp_server(tmp_path: Path) -> Iterator[ChirpProcess]:
    node = ChirpProcess(tmp_path / "data").start()
    try:
        yield node
    finally:
        node.stop()
