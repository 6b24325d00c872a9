"""Start a real `gcp-storage-emulator` server on a free port for the GCS tests."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.redis_server import _free_port


@contextmanager
def gcs_emulator(workdir: Path, bucket: str) -> Iterator[str]:
    """Yields the emulator's URL (for `STORAGE_EMULATOR_HOST`), with `bucket` created. Without
    the package the test is skipped, except in CI (`CI=true`), where it is a failure."""
    if importlib.util.find_spec("gcp_storage_emulator") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("gcp-storage-emulator is not installed (pip install -e '.[dev]')")
        pytest.skip("gcp-storage-emulator is not installed (pip install -e '.[dev]')")
    port = _free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log = (workdir / "gcs-emulator.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gcp_storage_emulator",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--default-bucket",
            bucket,
            "--in-memory",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}/", timeout=0.5):
                    break
            except (TimeoutError, urllib.error.URLError, ConnectionError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "gcp-storage-emulator did not start:\n"
                    + (workdir / "gcs-emulator.log").read_text(errors="replace")
                )
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
