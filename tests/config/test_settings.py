"""Settings derived from the environment: the public origin and the domain in handles."""

from __future__ import annotations

import pytest

from chirp.config import Settings


@pytest.mark.parametrize(
    ("host", "base_url", "domain"),
    [
        ("0.0.0.0", "http://127.0.0.1:8000", "127.0.0.1:8000"),
        ("::", "http://127.0.0.1:8000", "127.0.0.1:8000"),
        ("localhost", "http://localhost:8000", "localhost:8000"),
        ("::1", "http://[::1]:8000", "[::1]:8000"),
    ],
)
def test_base_url_from_host_and_port(host: str, base_url: str, domain: str) -> None:
    settings = Settings(host=host, port=8000)
    assert (settings.base_url, settings.domain) == (base_url, domain)


def test_a_configured_public_url_wins_without_its_trailing_slash() -> None:
    settings = Settings(host="::1", port=8000, public_url="https://chirp.example/")
    assert (settings.base_url, settings.domain) == ("https://chirp.example", "chirp.example")
