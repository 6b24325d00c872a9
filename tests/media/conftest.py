"""Media API fixtures: an app whose blobs live in a temporary directory, and upload helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from aiohttp.web import Application

from chirp.server.keys import MEDIA_WORKERS
from tests.helpers import User


@pytest.fixture
def media_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings_overrides(tmp_path: Path, media_overrides: dict[str, Any]) -> dict[str, Any]:
    return {"data_dir": tmp_path / "data", "media_workers": 1, **media_overrides}


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    return tmp_path / "data" / "media"


def stored_objects(root: Path) -> list[str]:
    """Keys of every object in the local store (hidden bookkeeping folders aside)."""
    if not root.exists():
        return []
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


async def upload(
    client: TestClient,
    user: User,
    data: bytes,
    *,
    filename: str = "upload.bin",
    content_type: str = "application/octet-stream",
    path: str = "/api/v2/media",
    **fields: str | bytes,
) -> tuple[int, dict[str, Any]]:
    form = FormData()
    form.add_field("file", data, filename=filename, content_type=content_type)
    for name, value in fields.items():
        if isinstance(value, bytes):
            form.add_field(name, value, filename=f"{name}.bin", content_type="image/jpeg")
        else:
            form.add_field(name, value)
    response = await client.post(path, data=form, headers=user.headers)
    return response.status, dict(await response.json())


async def wait_processed(app: Application) -> None:
    await app[MEDIA_WORKERS].wait_idle()


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
