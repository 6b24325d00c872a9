"""Hostile tweet text through the API: stored and served safely, found by its tags."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import User, post


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"max_toot_chars": 20_000}


async def test_a_tweet_with_a_thousand_hashtags(client: TestClient, alice: User) -> None:
    text = " ".join(f"#t{n}x" for n in range(1000))
    tweet = await post(client, alice, text)
    assert len(tweet["tags"]) == 1000
    assert tweet["tags"][0]["name"] == "t0x"
    found = await client.get("/api/v1/timelines/tag/T999X")
    assert [s["id"] for s in await found.json()] == [tweet["id"]]


async def test_script_rtl_and_zero_width_input(client: TestClient, alice: User) -> None:
    text = (
        "<script>alert(1)</script> \u202eevil \u200b#zero\u200bwidth 👩\u200d👩\u200d👧 שלום #עברית"
    )
    tweet = await post(client, alice, text)
    assert "<script>" not in tweet["content"] and "&lt;script&gt;" in tweet["content"]
    assert "\u202e" not in tweet["content"]
    assert "👩\u200d👩\u200d👧" in tweet["content"]
    assert sorted(t["name"] for t in tweet["tags"]) == sorted(["zero", "עברית"])
    source = await client.get(f"/api/v1/statuses/{tweet['id']}/source", headers=alice.headers)
    assert (await source.json())["text"].startswith("<script>alert(1)</script>")
