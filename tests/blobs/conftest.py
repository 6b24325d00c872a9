from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from chirp.core.ports.blobs import BlobStore
from tests.blobs.backends import BUCKET, gcs_factory, local, service_account_info
from tests.gcs_emulator import gcs_emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with gcs_emulator(tmp_path_factory.mktemp("gcs"), BUCKET) as url:
        previous = os.environ.get("STORAGE_EMULATOR_HOST")
        os.environ["STORAGE_EMULATOR_HOST"] = url
        try:
            yield url
        finally:
            if previous is None:
                os.environ.pop("STORAGE_EMULATOR_HOST", None)
            else:
                os.environ["STORAGE_EMULATOR_HOST"] = previous


@pytest.fixture(scope="session")
def signing_info() -> dict[str, str]:
    return service_account_info()


@pytest.fixture(params=["local", "gcs"])
async def blobs(
    request: pytest.FixtureRequest, tmp_path: Path, signing_info: dict[str, str]
) -> AsyncIterator[BlobStore]:
    if request.param == "gcs":
        request.getfixturevalue("emulator")
        factory = gcs_factory(signing_info)
    else:
        factory = local
    async with factory(tmp_path) as store:
        yield store
