"""Custom emojis: `/api/v1/custom_emojis`, and `:shortcode:` in tweets, display names and bios
listed in the `emojis` of statuses and accounts, as Mastodon renders them."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from PIL import Image

from chirp.core.emojis import add_custom_emoji, remove_custom_emoji
from chirp.core.models import CustomEmoji
from chirp.server.keys import CONTEXT
from tests.helpers import User, post


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path / "data"}


def png(color: tuple[int, int, int, int] = (255, 0, 0, 255), size: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (size, size), color).save(out, format="PNG")
    return out.getvalue()


def gif() -> bytes:
    frames = [Image.new("RGB", (24, 24), c) for c in ((0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


async def add(app: web.Application, shortcode: str, image: bytes | None = None, **kw: Any) -> None:
    await add_custom_emoji(app[CONTEXT], shortcode, png() if image is None else image, **kw)


async def test_the_list_is_public_and_leaves_hidden_emojis_out(
    client: TestClient, app: web.Application
) -> None:
    assert await (await client.get("/api/v1/custom_emojis")).json() == []
    await add(app, "blobcat", category="Cats")
    await add(app, "party", gif(), visible_in_picker=False)
    await add(app, "wave")
    response = await client.get("/api/v1/custom_emojis")  # no token at all
    assert response.status == 200
    body = await response.json()
    assert [e["shortcode"] for e in body] == ["blobcat", "wave"]
    blobcat = body[0]
    assert set(blobcat) == {"shortcode", "url", "static_url", "visible_in_picker", "category"}
    assert (blobcat["visible_in_picker"], blobcat["category"]) == (True, "Cats")
    assert "category" not in body[1]  # Mastodon leaves out an absent category
    image = await client.get(urlsplit(blobcat["url"]).path)
    assert (image.status, image.content_type) == (200, "image/png")
    assert await image.read() == png()
    static = await client.get(urlsplit(blobcat["static_url"]).path)
    assert (static.status, static.content_type) == (200, "image/png")


async def test_an_animated_emoji_gets_a_static_png(
    client: TestClient, app: web.Application
) -> None:
    await add(app, "party", gif())
    (entry,) = await (await client.get("/api/v1/custom_emojis")).json()
    assert entry["url"].endswith(".gif") and entry["static_url"].endswith("-static.png")
    static = await client.get(urlsplit(entry["static_url"]).path)
    frame = Image.open(io.BytesIO(await static.read()))
    assert (frame.format, frame.size, getattr(frame, "n_frames", 1)) == ("PNG", (24, 24), 1)
    assert frame.convert("RGB").getpixel((0, 0)) == (0, 255, 0)  # the first frame


async def test_bad_emojis_are_refused(client: TestClient, app: web.Application) -> None:
    from chirp.core.errors import InvalidInput, NotFound

    for shortcode, image in (
        ("x", png()),
        ("bad-name", png()),
        ("ok_name", b"GIF89a not really"),
        ("big", b"\x89PNG" + b"\0" * 300_000),
        ("empty", b""),
    ):
        with pytest.raises(InvalidInput):
            await add(app, shortcode, image)
    await add(app, "blobcat")
    with pytest.raises(InvalidInput, match="already taken"):
        await add(app, "blobcat")
    with pytest.raises(NotFound):
        await remove_custom_emoji(app[CONTEXT], "nothing")
    assert [e.shortcode for e in await app[CONTEXT].store.list_custom_emojis()] == ["blobcat"]


async def test_shortcodes_in_tweets_are_kept_and_listed(
    client: TestClient, app: web.Application, alice: User
) -> None:
    await add(app, "blobcat")
    await add(app, "party", gif(), visible_in_picker=False)  # hidden ones render too
    tweet = await post(
        client,
        alice,
        "hi :blobcat: :unknown: :blobcat: a:party:b ::blobcat::",
        spoiler_text="cw :party:",
    )
    assert ":blobcat:" in tweet["content"]  # the text keeps the shortcode, as Mastodon
    assert [e["shortcode"] for e in tweet["emojis"]] == ["party", "blobcat"]
    party = tweet["emojis"][0]
    assert party["visible_in_picker"] is False and party["url"].endswith(".gif")
    plain = await post(client, alice, "no emoji here: just a colon")
    assert plain["emojis"] == []
    shown = await (await client.get(f"/api/v1/statuses/{tweet['id']}")).json()
    assert shown["emojis"] == tweet["emojis"]


async def test_display_names_and_bios_list_their_emojis(
    client: TestClient, app: web.Application, alice: User
) -> None:
    await add(app, "blobcat")
    await add(app, "wave")
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        json={"display_name": "Alice :blobcat:", "note": "hello :wave: :nope:"},
    )
    assert response.status == 200, await response.text()
    me = await response.json()
    assert me["display_name"] == "Alice :blobcat:"
    assert [e["shortcode"] for e in me["emojis"]] == ["blobcat", "wave"]
    shown = await (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert [e["shortcode"] for e in shown["emojis"]] == ["blobcat", "wave"]
    tweet = await post(client, alice, "plain")
    assert [e["shortcode"] for e in tweet["account"]["emojis"]] == ["blobcat", "wave"]
    assert tweet["emojis"] == []


def cached(app: web.Application) -> Any:
    return app[CONTEXT].emoji_cache


async def test_other_nodes_emojis_show_after_the_cache_period(
    client: TestClient, app: web.Application, alice: User
) -> None:
    tweet = await post(client, alice, "soon :late:")
    assert tweet["emojis"] == []
    # Another node (or the CLI) adds it: this process learns of it when its copy expires.
    context = app[CONTEXT]
    await context.store.create_custom_emoji(
        CustomEmoji("late", "emojis/late/a.png", "emojis/late/a-static.png", context.now())
    )

    async def shown() -> list[str]:
        body = await (await client.get(f"/api/v1/statuses/{tweet['id']}")).json()
        return [e["shortcode"] for e in body["emojis"]]

    assert await shown() == []  # the rendered tweet is not stale beyond the cache period...
    period = context.settings.custom_emojis_cache_seconds
    cached(app).loaded_at = time.monotonic() - period - 0.01  # ... which has now passed
    assert await shown() == ["late"]
    await context.store.delete_custom_emoji("late")
    cached(app).loaded_at = time.monotonic() - period - 0.01
    assert await shown() == []


async def test_a_removed_emoji_leaves_the_list_and_its_images_go(
    client: TestClient, app: web.Application, alice: User
) -> None:
    await add(app, "blobcat")
    (entry,) = await (await client.get("/api/v1/custom_emojis")).json()
    await remove_custom_emoji(app[CONTEXT], "blobcat")
    assert await (await client.get("/api/v1/custom_emojis")).json() == []
    assert (await client.get(urlsplit(entry["url"]).path)).status == 404
    tweet = await post(client, alice, "gone :blobcat:")
    assert tweet["emojis"] == []
