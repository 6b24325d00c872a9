"""Every response says `X-Content-Type-Options: nosniff`: HTML pages, the API, errors."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import User


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/@alice",
        "/about",
        "/oauth/authorize?client_id=nope&response_type=code",
        "/api/v1/instance",
        "/api/v1/accounts/lookup?acct=alice",
        "/api/v1/statuses/404",
        "/no/such/page",
        "/healthz",
    ],
)
async def test_every_response_forbids_sniffing(client: TestClient, alice: User, path: str) -> None:
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.headers["X-Content-Type-Options"] == "nosniff", response.status
