"""`/api/v1/announcements`: list with `read` per user, dismiss, emoji reactions, as Mastodon."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core.announcements import add_announcement, is_unicode_emoji, remove_announcement
from chirp.core.emojis import add_custom_emoji
from chirp.server.keys import CONTEXT
from tests.handlers.test_custom_emojis import png
from tests.helpers import User, app_token, post, register_app, user_token


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path / "data"}


async def announce(app: web.Application, text: str = "Hello everyone", **kw: Any) -> str:
    return str((await add_announcement(app[CONTEXT], text, **kw)).id)


async def listed(client: TestClient, user: User) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/announcements", headers=user.headers)
    assert response.status == 200, await response.text()
    return list(await response.json())


async def test_an_announcement_renders_as_mastodon(
    client: TestClient, app: web.Application, alice: User, bob: User
) -> None:
    await add_custom_emoji(app[CONTEXT], "blobcat", png())
    tweet = await post(client, alice, "see this")
    hidden = await post(client, alice, "only mine", visibility="private")
    start, end = datetime(2026, 12, 24, tzinfo=UTC), datetime(2026, 12, 26, tzinfo=UTC)
    aid = await announce(
        app,
        f"Party with @alice #Chirp :blobcat: {tweet['url']} {hidden['url']}",
        starts_at=start,
        ends_at=end,
        all_day=True,
    )
    (shown,) = await listed(client, bob)
    assert list(shown) == [
        "id",
        "content",
        "starts_at",
        "ends_at",
        "all_day",
        "published_at",
        "updated_at",
        "read",
        "mentions",
        "statuses",
        "tags",
        "emojis",
        "reactions",
    ]
    assert shown["id"] == aid
    assert (shown["starts_at"], shown["ends_at"], shown["all_day"], shown["read"]) == (
        "2026-12-24T00:00:00.000Z",
        "2026-12-26T00:00:00.000Z",
        True,
        False,
    )
    assert shown["content"].startswith("<p>Party with ")
    assert 'href="http://127.0.0.1:8080/@alice"' in shown["content"]
    assert ":blobcat:" in shown["content"]
    assert [(m["id"], m["username"], m["acct"]) for m in shown["mentions"]] == [
        (alice.id, "alice", "alice")
    ]
    assert shown["statuses"] == [{"id": tweet["id"], "url": tweet["url"]}]  # not the private one
    assert [t["name"] for t in shown["tags"]] == ["chirp"]
    assert [e["shortcode"] for e in shown["emojis"]] == ["blobcat"]
    assert shown["reactions"] == []


async def test_listing_is_chronological_and_needs_a_user_token(
    client: TestClient, app: web.Application, alice: User
) -> None:
    first = await announce(app, "first")
    meeting = await announce(
        app,
        "meeting",
        starts_at=datetime(2020, 1, 1, tzinfo=UTC),
        ends_at=datetime(2020, 1, 2, tzinfo=UTC),
    )
    assert [a["id"] for a in await listed(client, alice)] == [meeting, first]
    assert (await client.get("/api/v1/announcements")).status == 401
    bad = {"Authorization": "Bearer nope"}
    assert (await client.get("/api/v1/announcements", headers=bad)).status == 401
    app_only = await app_token(client, await register_app(client))
    headers = {"Authorization": f"Bearer {app_only}"}
    assert (await client.get("/api/v1/announcements", headers=headers)).status == 422
    await remove_announcement(app[CONTEXT], int(first))
    assert [a["id"] for a in await listed(client, alice)] == [meeting]


async def test_dismiss_marks_it_read_for_that_user_only(
    client: TestClient, app: web.Application, alice: User, bob: User
) -> None:
    aid = await announce(app)
    for _ in range(2):  # idempotent
        response = await client.post(f"/api/v1/announcements/{aid}/dismiss", headers=alice.headers)
        assert response.status == 200
        assert await response.json() == {}
    assert (await listed(client, alice))[0]["read"] is True
    assert (await listed(client, bob))[0]["read"] is False


async def test_dismiss_failures(client: TestClient, app: web.Application, alice: User) -> None:
    aid = await announce(app)
    assert (await client.post(f"/api/v1/announcements/{aid}/dismiss")).status == 401
    read_only = await user_token(client, alice, "read")
    response = await client.post(f"/api/v1/announcements/{aid}/dismiss", headers=read_only)
    assert response.status == 403
    for missing in ("123", "abc", str(2**64)):
        response = await client.post(
            f"/api/v1/announcements/{missing}/dismiss", headers=alice.headers
        )
        assert response.status == 404, missing
        assert await response.json() == {"error": "Record not found"}
    assert (await listed(client, alice))[0]["read"] is False


def reactions_path(aid: str, name: str) -> str:
    return f"/api/v1/announcements/{aid}/reactions/{quote(name)}"


async def test_reactions_count_per_emoji_with_me_and_custom_urls(
    client: TestClient, app: web.Application, alice: User, bob: User
) -> None:
    await add_custom_emoji(app[CONTEXT], "blobcat", png())
    aid = await announce(app)
    for user, name in ((alice, "🎉"), (bob, "🎉"), (bob, "blobcat"), (bob, "🎉")):
        response = await client.put(reactions_path(aid, name), headers=user.headers)
        assert response.status == 200, await response.text()
        assert await response.json() == {}
    seen = (await listed(client, alice))[0]["reactions"]
    assert seen[0] == {"name": "🎉", "count": 2, "me": True}
    assert (seen[1]["name"], seen[1]["count"], seen[1]["me"]) == ("blobcat", 1, False)
    assert seen[1]["url"].endswith(".png") and seen[1]["static_url"].endswith("-static.png")
    response = await client.delete(reactions_path(aid, "🎉"), headers=alice.headers)
    assert (response.status, await response.json()) == (200, {})
    seen = (await listed(client, alice))[0]["reactions"]
    assert [(r["name"], r["count"], r["me"]) for r in seen] == [
        ("🎉", 1, False),
        ("blobcat", 1, False),
    ]
    # Removing what one did not react with is a 404, as Mastodon.
    assert (await client.delete(reactions_path(aid, "🎉"), headers=alice.headers)).status == 404


async def test_reaction_failures(client: TestClient, app: web.Application, alice: User) -> None:
    aid = await announce(app)
    assert (await client.put(reactions_path(aid, "🎉"))).status == 401
    wrong = await user_token(client, alice, "read write:accounts")
    assert (await client.put(reactions_path(aid, "🎉"), headers=wrong)).status == 403
    assert (await client.delete(reactions_path(aid, "🎉"), headers=wrong)).status == 403
    assert (await client.put(reactions_path("42", "🎉"), headers=alice.headers)).status == 404
    assert (await client.delete(reactions_path("42", "🎉"), headers=alice.headers)).status == 404
    for name in ("notanemoji", "a", "🎉🎉", "x" * 200, ":"):
        response = await client.put(reactions_path(aid, name), headers=alice.headers)
        assert response.status == 422, name
        assert await response.json() == {
            "error": "Validation failed: Name is not a recognized emoji"
        }
    assert (await listed(client, alice))[0]["reactions"] == []


async def test_an_announcement_takes_eight_distinct_emojis(
    client: TestClient, app: web.Application, alice: User, bob: User
) -> None:
    aid = await announce(app)
    eight = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆"]
    for name in eight:
        assert (await client.put(reactions_path(aid, name), headers=alice.headers)).status == 200
    response = await client.put(reactions_path(aid, "🎉"), headers=bob.headers)
    assert response.status == 422
    assert "reactions" in (await response.json())["error"]
    assert (await client.put(reactions_path(aid, "😀"), headers=bob.headers)).status == 200


def test_unicode_emoji_names() -> None:
    for name in ("🎉", "👍🏽", "🇫🇷", "1️⃣", "👨‍👩‍👧", "❤️", "©️"):
        assert is_unicode_emoji(name), name
    for name in ("a", "1", "", "🎉🎉", "x🎉", "\u200d", ":blobcat:"):
        assert not is_unicode_emoji(name), name
