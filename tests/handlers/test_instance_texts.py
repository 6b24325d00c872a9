"""What the operator says about the server: rules, about text, privacy policy, terms of service
(`/api/v1/instance/*`, and as pages), configured inline or from Markdown/HTML files; peers."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import ValidationError

from tests.helpers import make_settings

RULES = ["Be kind", "No spam <b>ever</b>"]


async def get_json(client: TestClient, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    return await response.json()


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_defaults(client: TestClient) -> None:
    assert await get_json(client, "/api/v1/instance/rules") == []
    about = await get_json(client, "/api/v1/instance/extended_description")
    assert about == {"updated_at": None, "content": ""}
    privacy = await get_json(client, "/api/v1/instance/privacy_policy")
    assert privacy["content"].startswith("<h2>What this server keeps</h2>")
    assert "Argon2id" in privacy["content"]
    datetime.fromisoformat(privacy["updated_at"].replace("Z", "+00:00"))
    error = await get_json(client, "/api/v1/instance/terms_of_service", 404)
    assert error["error"]
    v2 = await get_json(client, "/api/v2/instance")
    assert v2["rules"] == []
    urls = v2["configuration"]["urls"]
    assert urls["terms_of_service"] is None
    for key in ("about", "privacy_policy"):
        page = await client.get(urls[key].removeprefix("http://127.0.0.1:8080"))
        assert page.status == 200 and page.content_type == "text/html"
    assert (await client.get("/terms-of-service")).status == 404


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_peers_are_none_as_nothing_federates(client: TestClient) -> None:
    assert await get_json(client, "/api/v1/instance/peers") == []
    assert (await get_json(client, "/api/v1/instance"))["stats"]["domain_count"] == 0


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "instance_rules": RULES,
            "instance_extended_description": "We are **birds**.\n\n<script>x</script>",
            "instance_privacy_policy": "<p>We keep <em>nothing</em>.</p>",
            "instance_terms_of_service": "1. Be nice",
            "instance_terms_effective_date": "2026-03-01",
        }
    ],
)
async def test_inline_texts(client: TestClient) -> None:
    rules = await get_json(client, "/api/v1/instance/rules")
    assert rules == [
        {"id": "1", "text": "Be kind", "hint": "", "translations": {}},
        {"id": "2", "text": "No spam <b>ever</b>", "hint": "", "translations": {}},
    ]
    assert (await get_json(client, "/api/v2/instance"))["rules"] == rules
    assert (await get_json(client, "/api/v1/instance"))["rules"] == rules
    about = await get_json(client, "/api/v1/instance/extended_description")
    # Markdown is rendered; raw HTML in Markdown stays text.
    assert (
        about["content"]
        == "<p>We are <strong>birds</strong>.</p>\n<p>&lt;script&gt;x&lt;/script&gt;</p>"
    )
    assert about["updated_at"]
    privacy = await get_json(client, "/api/v1/instance/privacy_policy")
    assert privacy["content"] == "<p>We keep <em>nothing</em>.</p>"  # HTML kept as written
    terms = await get_json(client, "/api/v1/instance/terms_of_service")
    assert terms == {
        "effective_date": "2026-03-01",
        "effective": True,
        "content": "<ol>\n<li>Be nice</li>\n</ol>",
        "succeeded_by": None,
    }
    assert await get_json(client, "/api/v1/instance/terms_of_service/2026-03-01") == terms
    await get_json(client, "/api/v1/instance/terms_of_service/2026-03-02", 404)
    v2 = await get_json(client, "/api/v2/instance")
    assert v2["configuration"]["urls"]["terms_of_service"].endswith("/terms-of-service")
    page = await client.get("/about")
    html = await page.text()
    assert "<strong>birds</strong>" in html
    assert "<li>No spam &lt;b&gt;ever&lt;/b&gt;</li>" in html  # rule text is escaped
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    terms_page = await (await client.get("/terms-of-service")).text()
    assert "Effective 2026-03-01" in terms_page and "<li>Be nice</li>" in terms_page


@pytest.fixture
def texts(tmp_path: Path) -> dict[str, Path]:
    about = tmp_path / "about.md"
    about.write_text("# Welcome\n\nA *quiet* place.", encoding="utf-8")
    privacy = tmp_path / "privacy.html"
    privacy.write_text("<h2>Privacy</h2><p>Nothing kept.</p>", encoding="utf-8")
    terms = tmp_path / "terms.md"
    terms.write_text("Play fair.", encoding="utf-8")
    os.utime(terms, (1_767_225_600, 1_767_225_600))  # 2026-01-01T00:00:00Z
    return {"about": about, "privacy": privacy, "terms": terms}


@pytest.fixture
def settings_overrides(texts: dict[str, Path]) -> dict[str, Any]:
    return {
        "instance_extended_description": f"@{texts['about']}",
        "instance_privacy_policy": f"@{texts['privacy']}",
        "instance_terms_of_service": f"@{texts['terms']}",
    }


async def test_texts_from_files_follow_their_changes(
    client: TestClient, texts: dict[str, Path]
) -> None:
    about = await get_json(client, "/api/v1/instance/extended_description")
    assert about["content"] == "<h1>Welcome</h1>\n<p>A <em>quiet</em> place.</p>"
    modified = datetime.fromtimestamp(texts["about"].stat().st_mtime, UTC)
    assert datetime.fromisoformat(about["updated_at"].replace("Z", "+00:00")) == modified.replace(
        microsecond=modified.microsecond // 1000 * 1000
    )
    privacy = await get_json(client, "/api/v1/instance/privacy_policy")
    assert privacy["content"] == "<h2>Privacy</h2><p>Nothing kept.</p>"
    terms = await get_json(client, "/api/v1/instance/terms_of_service")
    assert terms["effective_date"] == "2026-01-01"  # the file's date
    assert terms["content"] == "<p>Play fair.</p>"

    texts["about"].write_text("Changed **now**, longer than before.", encoding="utf-8")
    about = await get_json(client, "/api/v1/instance/extended_description")
    assert about["content"] == "<p>Changed <strong>now</strong>, longer than before.</p>"
    # A file gone after it was read: the last good version is served.
    texts["privacy"].unlink()
    privacy = await get_json(client, "/api/v1/instance/privacy_policy")
    assert privacy["content"] == "<h2>Privacy</h2><p>Nothing kept.</p>"


async def test_an_unreadable_text_file_never_read_before_is_a_503(
    client: TestClient, texts: dict[str, Path]
) -> None:
    texts["terms"].write_bytes(b"\xff\xfe not utf-8")
    error = await get_json(client, "/api/v1/instance/terms_of_service", 503)
    assert error["error"]


def test_a_missing_text_file_stops_the_server_from_starting(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        make_settings(instance_privacy_policy=f"@{tmp_path / 'nope.md'}")


def test_rules_come_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIRP_INSTANCE_RULES", '["Be kind", "  ", "No spam"]')
    assert make_settings().instance_rules == ["Be kind", "No spam"]
