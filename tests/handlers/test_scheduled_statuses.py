"""Scheduled posts: `scheduled_at` on a post, `/api/v1/scheduled_statuses` list, show, move,
cancel, publication on time by the outbox (once), media held meanwhile, every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core import scheduled_statuses
from chirp.core.context import Context
from chirp.server.keys import CONTEXT
from tests.helpers import Drain, User, post, user_token
from tests.media import samples
from tests.media.conftest import upload, wait_processed


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path / "data", "media_workers": 1}


def _at(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


def _later(monkeypatch: pytest.MonkeyPatch, minutes: float) -> None:
    at = datetime.now(UTC) + timedelta(minutes=minutes)
    monkeypatch.setattr(Context, "now", staticmethod(lambda: at))


async def _schedule(client: TestClient, user: User, **fields: Any) -> Any:
    return await client.post(
        "/api/v1/statuses", headers=user.headers, json={"status": "later", **fields}
    )


async def _photo(client: TestClient, app: web.Application, user: User) -> str:
    status, body = await upload(client, user, samples.photo(40, 30), content_type="image/jpeg")
    assert status == 200, body
    await wait_processed(app)
    return str(body["id"])


async def test_a_post_with_scheduled_at_is_kept_and_published_on_time(
    client: TestClient,
    app: web.Application,
    alice: User,
    drain: Drain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    photo = await _photo(client, app, alice)
    response = await _schedule(
        client,
        alice,
        scheduled_at=_at(10),
        media_ids=[photo],
        visibility="unlisted",
        spoiler_text="cw",
    )
    assert response.status == 200, await response.text()
    scheduled = await response.json()
    assert set(scheduled) == {"id", "scheduled_at", "params", "media_attachments"}
    assert scheduled["params"]["text"] == "later"
    assert scheduled["params"]["visibility"] == "unlisted"
    assert scheduled["params"]["media_ids"] == [photo]
    assert [m["id"] for m in scheduled["media_attachments"]] == [photo]
    # Held: no other post may take the photo meanwhile, nor may it be deleted.
    taken = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "x", "media_ids": [photo]}
    )
    assert taken.status == 422
    assert (await client.delete(f"/api/v1/media/{photo}", headers=alice.headers)).status != 200
    await drain()
    timeline = await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    assert await timeline.json() == []  # not yet
    _later(monkeypatch, 11)
    await drain()
    await drain()
    published = await (
        await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    ).json()
    assert len(published) == 1  # once
    tweet = published[0]
    assert (tweet["content"], tweet["spoiler_text"], tweet["visibility"]) == (
        "<p>later</p>",
        "cw",
        "unlisted",
    )
    assert [m["id"] for m in tweet["media_attachments"]] == [photo]
    gone = await client.get(f"/api/v1/scheduled_statuses/{scheduled['id']}", headers=alice.headers)
    assert gone.status == 404


async def test_list_show_move_and_cancel(
    client: TestClient,
    alice: User,
    bob: User,
    drain: Drain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    poll = {"options": ["a", "b"], "expires_in": 600}
    first = await (await _schedule(client, alice, scheduled_at=_at(10), poll=poll)).json()
    second = await (await _schedule(client, alice, scheduled_at=_at(20))).json()
    assert first["params"]["poll"]["options"] == ["a", "b"]
    listed = await client.get("/api/v1/scheduled_statuses", headers=alice.headers)
    assert [s["id"] for s in await listed.json()] == [second["id"], first["id"]]
    page = await client.get("/api/v1/scheduled_statuses?limit=1", headers=alice.headers)
    assert [s["id"] for s in await page.json()] == [second["id"]]
    assert "max_id" in page.headers["Link"]
    assert await (await client.get("/api/v1/scheduled_statuses", headers=bob.headers)).json() == []
    url = f"/api/v1/scheduled_statuses/{first['id']}"
    assert (await client.get(url, headers=bob.headers)).status == 404  # another's
    assert (await client.get(url, headers=alice.headers)).status == 200
    moved = await client.put(url, headers=alice.headers, json={"scheduled_at": _at(30)})
    assert moved.status == 200, await moved.text()
    assert (await moved.json())["scheduled_at"] != first["scheduled_at"]
    refused = await client.put(url, headers=alice.headers, json={"scheduled_at": _at(1)})
    assert refused.status == 422
    assert (
        await client.put(url, headers=bob.headers, json={"scheduled_at": _at(30)})
    ).status == 404
    cancel = f"/api/v1/scheduled_statuses/{second['id']}"
    assert (await client.delete(cancel, headers=bob.headers)).status == 404
    deleted = await client.delete(cancel, headers=alice.headers)
    assert (deleted.status, await deleted.json()) == (200, {})
    assert (await client.delete(cancel, headers=alice.headers)).status == 404
    # At the first's old time nothing is published (it was moved); at the new one, it is.
    _later(monkeypatch, 21)
    await drain()
    timeline = f"/api/v1/accounts/{alice.id}/statuses"
    assert await (await client.get(timeline, headers=alice.headers)).json() == []
    _later(monkeypatch, 31)
    await drain()
    tweets = await (await client.get(timeline, headers=alice.headers)).json()
    assert len(tweets) == 1 and tweets[0]["poll"]["options"][0]["title"] == "a"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"scheduled_at": "soon"}, "ISO 8601"),
        ({"scheduled_at": "2020-01-01T00:00:00Z"}, "must be in the future"),
        ({"scheduled_at": "in 4 minutes"}, "must be in the future"),
        ({"scheduled_at": "in 10 minutes", "status": ""}, "blank"),
        ({"scheduled_at": "in 10 minutes", "visibility": "everyone"}, "Visibility"),
        (
            {"scheduled_at": "in 10 minutes", "poll": {"options": ["a"], "expires_in": 600}},
            "more than one",
        ),
    ],
)
async def test_bad_schedules_are_refused(
    client: TestClient, alice: User, fields: dict[str, Any], message: str
) -> None:
    at = str(fields["scheduled_at"])
    if at.startswith("in "):
        fields = {**fields, "scheduled_at": _at(int(at.split()[1]))}
    response = await _schedule(client, alice, **fields)
    assert response.status == 422
    assert message in (await response.json())["error"]
    listed = await client.get("/api/v1/scheduled_statuses", headers=alice.headers)
    assert await listed.json() == []


async def test_scopes_and_tokens(client: TestClient, alice: User) -> None:
    scheduled = await (await _schedule(client, alice, scheduled_at=_at(10))).json()
    url = f"/api/v1/scheduled_statuses/{scheduled['id']}"
    assert (await client.get("/api/v1/scheduled_statuses")).status == 401
    assert (await client.get(url)).status == 401
    assert (await client.delete(url)).status == 401
    reader = await user_token(client, alice, "read:statuses")
    assert (await client.get(url, headers=reader)).status == 200
    assert (await client.delete(url, headers=reader)).status == 403
    assert (await client.put(url, headers=reader, json={"scheduled_at": _at(20)})).status == 403
    writer = await user_token(client, alice, "write:statuses")
    assert (await client.get("/api/v1/scheduled_statuses", headers=writer)).status == 403
    assert (await client.get("/api/v1/scheduled_statuses/nope", headers=reader)).status == 404
    bad = await client.put(url, headers=alice.headers, json={})
    assert bad.status == 422


async def test_a_reply_whose_parent_is_gone_is_dropped(
    client: TestClient, app: web.Application, alice: User, drain: Drain, monkeypatch: Any
) -> None:
    parent = await post(client, alice, "first")
    scheduled = await (
        await _schedule(client, alice, scheduled_at=_at(10), in_reply_to_id=parent["id"])
    ).json()
    assert scheduled["params"]["in_reply_to_id"] == parent["id"]
    await client.delete(f"/api/v1/statuses/{parent['id']}", headers=alice.headers)
    _later(monkeypatch, 11)
    await drain()
    store = app[CONTEXT].store
    assert await store.get_scheduled_status(int(scheduled["id"])) is None
    timeline = f"/api/v1/accounts/{alice.id}/statuses"
    assert await (await client.get(timeline, headers=alice.headers)).json() == []


async def test_daily_and_total_limits(
    client: TestClient, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduled_statuses, "DAILY_LIMIT", 2)
    monkeypatch.setattr(scheduled_statuses, "TOTAL_LIMIT", 3)
    day = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    days = [day + timedelta(days=n) for n in (2, 3, 4)]
    for at in (days[0], days[0] + timedelta(minutes=1)):
        assert (await _schedule(client, alice, scheduled_at=at.isoformat())).status == 200
    third = await _schedule(client, alice, scheduled_at=days[0].isoformat())
    assert third.status == 422
    assert "limit of 2 scheduled posts for today" in (await third.json())["error"]
    other = await (await _schedule(client, alice, scheduled_at=days[1].isoformat())).json()
    over = await _schedule(client, alice, scheduled_at=days[2].isoformat())
    assert over.status == 422
    assert "limit of 3 scheduled posts" in (await over.json())["error"]
    # A move counts against its new day only.
    url = f"/api/v1/scheduled_statuses/{other['id']}"
    full = await client.put(url, headers=alice.headers, json={"scheduled_at": days[0].isoformat()})
    assert full.status == 422
    moved = await client.put(url, headers=alice.headers, json={"scheduled_at": days[2].isoformat()})
    assert moved.status == 200, await moved.text()
