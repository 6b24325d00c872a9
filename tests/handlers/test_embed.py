"""The embeddable player, `/live/<id>/embed`: public streams only, framed where the operator
allows (`CHIRP_LIVE_EMBED_ANCESTORS`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.config import Settings
from chirp.server.keys import SETTINGS
from tests.handlers.test_live_streams import create, go_live
from tests.helpers import Drain, User


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {
        "data_dir": tmp_path,
        "rtmp_port": 0,
        "live_embed_ancestors": "https://blog.example.com  'self'",
    }


async def test_public_stream_embeds_where_allowed(
    client: TestClient, app: web.Application, alice: User, drain: Drain
) -> None:
    stream = await create(client, alice, title="Tea <time>")
    await go_live(app, stream, drain)
    response = await client.get(f"/live/{stream['id']}/embed")
    assert response.status == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://blog.example.com 'self'" in policy
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert response.headers["Cache-Control"] == "no-store"
    page = await response.text()
    assert "Tea &lt;time&gt;" in page and "<time>" not in page
    assert f'href="{app[SETTINGS].base_url}/live/{stream["id"]}"' in page
    assert "/static/live/embed.js?v=" in page and "/static/live/hls.min.js?v=" in page
    script = await client.get("/static/live/embed.js")
    assert script.status == 200 and script.content_type == "text/javascript"


@pytest.mark.parametrize("visibility", ["private"])
async def test_only_public_streams_embed(
    client: TestClient, app: web.Application, alice: User, drain: Drain, visibility: str
) -> None:
    stream = await create(client, alice, visibility=visibility)
    await go_live(app, stream, drain)
    for path in (f"/live/{stream['id']}/embed", "/live/123456/embed", "/live/nope/embed"):
        response = await client.get(path)
        assert response.status == 404, path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert stream["title"] not in await response.text()


def test_ancestors_setting_is_checked() -> None:
    assert Settings(live_embed_ancestors="*").live_embed_ancestors == "*"
    assert Settings(live_embed_ancestors="'none'").live_embed_ancestors == "'none'"
    for bad in ("", "javascript:x", "'none' https://a.example", "https://a.example; script-src *"):
        with pytest.raises(ValueError):
            Settings(live_embed_ancestors=bad)
