"""The streams API (`/api/v1/chirp/streams`, `/api/v1/chirp/stream_key`): every endpoint and
who may do what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core.ports.video import LiveHooks
from chirp.server.keys import LIVE_HOOKS, SETTINGS
from tests.helpers import Drain, User, follow, sign_up, user_token

STREAMS = "/api/v1/chirp/streams"
VIEWER = "player-0123456789abcdef"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path, "rtmp_port": 0}


async def create(
    client: TestClient, user: User, title: str = "Live!", visibility: str = "public"
) -> dict[str, Any]:
    response = await client.post(
        STREAMS, headers=user.headers, json={"title": title, "visibility": visibility}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


def hooks(app: web.Application) -> LiveHooks:
    return app[LIVE_HOOKS]


async def go_live(app: web.Application, stream: dict[str, Any], drain: Drain) -> None:
    """What the relay does when the stream's first segment is out."""
    await hooks(app).went_live(int(stream["id"]))
    await drain()


async def show(client: TestClient, stream_id: str, user: User | None = None) -> Any:
    return await client.get(f"{STREAMS}/{stream_id}", headers=user.headers if user else None)


async def new_key(client: TestClient, user: User) -> str:
    response = await client.post("/api/v1/chirp/stream_key", headers=user.headers)
    assert response.status == 200, await response.text()
    return str((await response.json())["stream_key"])


# -- create, show --------------------------------------------------------------------------


async def test_create_returns_the_stream(client: TestClient, alice: User) -> None:
    stream = await create(client, alice, "  Cooking\nlive 🍳 ", "private")
    assert stream["title"] == "Cooking live 🍳"
    assert stream["visibility"] == "private"
    assert stream["state"] == "created"
    assert stream["account"]["id"] == alice.id
    assert stream["account"]["username"] == "alice"
    assert stream["started_at"] is None and stream["ended_at"] is None
    assert stream["created_at"].endswith("Z")
    assert stream["viewers_count"] == 0
    assert stream["playback_url"] is None  # nothing published yet
    base = client.app[SETTINGS].base_url
    assert stream["watch_url"] == f"{base}/live/{stream['id']}"
    assert isinstance(stream["id"], str) and stream["id"].isdigit()
    assert (await (await show(client, stream["id"], alice)).json()) == stream


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": "ok", "visibility": "direct"},
        {"title": 5},
    ],
)
async def test_create_refuses_bad_input(client: TestClient, alice: User, body: Any) -> None:
    response = await client.post(STREAMS, headers=alice.headers, json=body)
    assert response.status == 422
    assert (await response.json())["error"]


async def test_create_needs_a_user_with_write_scope(client: TestClient, alice: User) -> None:
    anonymous = await client.post(STREAMS, json={"title": "x"})
    assert anonymous.status == 401
    reader = await user_token(client, alice, "read")
    response = await client.post(STREAMS, headers=reader, json={"title": "x"})
    assert response.status == 403
    assert (await client.post("/api/v1/chirp/stream_key", headers=reader)).status == 403


async def test_public_streams_show_to_anyone(client: TestClient, alice: User, bob: User) -> None:
    stream = await create(client, alice)
    assert (await show(client, stream["id"])).status == 200
    assert (await show(client, stream["id"], bob)).status == 200
    assert (await show(client, "12345")).status == 404
    assert (await show(client, "99999999999999999999")).status == 404


async def test_private_streams_show_to_the_streamer_and_followers_only(
    client: TestClient, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    stream = await create(client, alice, visibility="private")
    await follow(client, bob, alice)
    assert (await show(client, stream["id"], alice)).status == 200
    assert (await show(client, stream["id"], bob)).status == 200
    for outsider in (None, carol):
        response = await show(client, stream["id"], outsider)
        assert response.status == 404
        assert (await response.json())["error"] == "Record not found"


# -- going live, listing -------------------------------------------------------------------


async def test_going_live_sets_state_and_playback(
    client: TestClient, app: web.Application, alice: User, drain: Drain
) -> None:
    public = await create(client, alice)
    private = await create(client, alice, visibility="private")
    for stream in (public, private):
        await go_live(app, stream, drain)
    got = await (await show(client, public["id"], alice)).json()
    assert got["state"] == "live" and got["started_at"].endswith("Z")
    assert got["playback_url"].endswith(f"/live/{public['id']}/master.m3u8")
    signed = (await (await show(client, private["id"], alice)).json())["playback_url"]
    assert f"/api/v1/chirp/streams/{private['id']}/hls/master.m3u8?" in signed
    assert "signature=" in signed and "expires=" in signed


async def test_list_shows_live_streams_the_viewer_may_watch(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    waiting = await create(client, alice, "not yet")
    public = await create(client, alice, "public")
    private = await create(client, alice, "followers", "private")
    carols = await create(client, carol, "carol's")
    over = await create(client, carol, "over")
    for stream in (public, private, carols, over):
        await go_live(app, stream, drain)
    await client.post(f"{STREAMS}/{over['id']}/end", headers=carol.headers)

    async def ids(user: User | None, query: str = "") -> list[str]:
        response = await client.get(f"{STREAMS}{query}", headers=user.headers if user else None)
        assert response.status == 200, await response.text()
        return [s["id"] for s in await response.json()]

    assert await ids(None) == [carols["id"], public["id"]]
    assert await ids(carol) == [carols["id"], public["id"]]
    assert await ids(bob) == [carols["id"], private["id"], public["id"]]
    assert await ids(alice) == [carols["id"], private["id"], public["id"]]
    assert await ids(bob, "?scope=following") == [private["id"], public["id"]]
    assert await ids(carol, "?scope=following") == []
    assert waiting["id"] not in await ids(alice)

    first = await client.get(f"{STREAMS}?limit=1", headers=bob.headers)
    assert [s["id"] for s in await first.json()] == [carols["id"]]
    assert 'rel="next"' in first.headers["Link"]
    older = await client.get(f"{STREAMS}?max_id={carols['id']}&limit=1", headers=bob.headers)
    assert [s["id"] for s in await older.json()] == [private["id"]]

    anonymous = await client.get(f"{STREAMS}?scope=following")
    assert anonymous.status == 401
    bad = await client.get(f"{STREAMS}?scope=everything")
    assert bad.status == 422


# -- ending --------------------------------------------------------------------------------


async def test_only_the_streamer_ends_a_stream(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    private = await create(client, alice, visibility="private")
    await go_live(app, stream, drain)
    refused = await client.post(f"{STREAMS}/{stream['id']}/end", headers=bob.headers)
    assert refused.status == 403
    hidden = await client.post(f"{STREAMS}/{private['id']}/end", headers=carol.headers)
    assert hidden.status == 404
    anonymous = await client.post(f"{STREAMS}/{stream['id']}/end")
    assert anonymous.status == 401
    assert (await (await show(client, stream["id"])).json())["state"] == "live"

    ended = await client.post(f"{STREAMS}/{stream['id']}/end", headers=alice.headers)
    assert ended.status == 200
    body = await ended.json()
    assert body["state"] == "ended" and body["ended_at"].endswith("Z")
    assert body["playback_url"].endswith("/master.m3u8")  # the replay stays
    again = await client.post(f"{STREAMS}/{stream['id']}/end", headers=alice.headers)
    assert again.status == 200 and (await again.json())["ended_at"] == body["ended_at"]
    # Going live later (a late relay callback) changes nothing.
    await go_live(app, stream, drain)
    assert (await (await show(client, stream["id"])).json())["state"] == "ended"


# -- stream keys ---------------------------------------------------------------------------


async def test_stream_key_is_shown_once_and_rotates(
    client: TestClient, app: web.Application, alice: User, bob: User
) -> None:
    missing = await client.get("/api/v1/chirp/stream_key", headers=alice.headers)
    assert (await missing.json()) == {"exists": False, "rtmp_url": None, "created_at": None}
    response = await client.post("/api/v1/chirp/stream_key", headers=alice.headers)
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    key = body["stream_key"]
    assert len(key) == 43 and key.replace("-", "").replace("_", "").isalnum()  # 256 bits
    assert body["exists"] is True and body["created_at"].endswith("Z")
    shown = await (await client.get("/api/v1/chirp/stream_key", headers=alice.headers)).json()
    assert "stream_key" not in shown and shown["exists"] is True
    assert shown["created_at"] == body["created_at"]

    # No stream yet: the key is right but there is nothing to publish to.
    assert await hooks(app).authorize(key) is None
    stream = await create(client, alice, visibility="private")
    grant = await hooks(app).authorize(key)
    assert grant is not None
    assert (grant.stream_id, grant.account_id, grant.private) == (
        int(stream["id"]),
        int(alice.id),
        True,
    )
    newer = await create(client, alice)
    grant = await hooks(app).authorize(key)
    assert grant is not None and grant.stream_id == int(newer["id"]) and not grant.private

    rotated = await new_key(client, alice)
    assert rotated != key
    assert await hooks(app).authorize(key) is None
    assert await hooks(app).authorize(rotated) is not None
    for wrong in ("", "x" * 43, rotated[:-1], rotated + "a", "../" * 14 + "a"):
        assert await hooks(app).authorize(wrong) is None
    # Bob's key publishes to Bob's streams only.
    bobs_key = await new_key(client, bob)
    assert await hooks(app).authorize(bobs_key) is None


async def test_stream_key_needs_a_user(client: TestClient) -> None:
    assert (await client.post("/api/v1/chirp/stream_key")).status == 401
    assert (await client.get("/api/v1/chirp/stream_key")).status == 401


async def test_rtmp_url_follows_the_settings(aiohttp_client: Any, tmp_path: Path) -> None:
    from chirp.server.app import create_app
    from tests.helpers import make_settings

    app = create_app(
        make_settings(
            data_dir=tmp_path, rtmp_port=0, live_rtmp_url="rtmp://ingest.example.com/live/"
        )
    )
    del app[LIVE_HOOKS]  # no ingest on this node: the API still says where to publish
    client = await aiohttp_client(app)
    user = await sign_up(client)
    body = await (await client.post("/api/v1/chirp/stream_key", headers=user.headers)).json()
    assert body["rtmp_url"] == "rtmp://ingest.example.com/live"


# -- heartbeats ----------------------------------------------------------------------------


async def test_heartbeats_count_viewers(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    url = f"{STREAMS}/{stream['id']}/heartbeat"
    before = await client.post(url, json={"viewer": VIEWER})
    assert (await before.json()) == {"viewers_count": 0}  # not live yet: nobody counts
    await go_live(app, stream, drain)
    counts = []
    for viewer in (VIEWER, VIEWER, "another-player-12345"):
        response = await client.post(url, json={"viewer": viewer})
        counts.append((await response.json())["viewers_count"])
    assert counts == [1, 1, 2]
    # A signed-in viewer counts once, whatever players they have open.
    for viewer in ("bob-tab-one-0000000", "bob-tab-two-0000000"):
        response = await client.post(url, headers=bob.headers, json={"viewer": viewer})
    assert (await response.json())["viewers_count"] == 3
    assert (await (await show(client, stream["id"])).json())["viewers_count"] == 3


async def test_heartbeats_respect_visibility_and_shape(
    client: TestClient, app: web.Application, alice: User, carol: User, drain: Drain
) -> None:
    private = await create(client, alice, visibility="private")
    await go_live(app, private, drain)
    url = f"{STREAMS}/{private['id']}/heartbeat"
    assert (await client.post(url, json={"viewer": VIEWER})).status == 404
    assert (await client.post(url, headers=carol.headers, json={"viewer": VIEWER})).status == 404
    assert (await client.post(url, headers=alice.headers, json={"viewer": VIEWER})).status == 200
    for bad in ({}, {"viewer": "short"}, {"viewer": "x" * 65}, {"viewer": "has spaces in it!!"}):
        response = await client.post(url, headers=alice.headers, json=bad)
        assert response.status == 422


# -- chat ----------------------------------------------------------------------------------


async def send(client: TestClient, user: User, stream: dict[str, Any], text: str) -> Any:
    return await client.post(
        f"{STREAMS}/{stream['id']}/chat", headers=user.headers, json={"text": text}
    )


async def test_chat_send_list_and_escape(
    client: TestClient, app: web.Application, alice: User, bob: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    response = await send(client, bob, stream, "  <b>hi</b> & welcome\x00 ")
    assert response.status == 200
    message = await response.json()
    assert message["content"] == "&lt;b&gt;hi&lt;/b&gt; &amp; welcome"
    assert message["stream_id"] == stream["id"]
    assert message["account"]["id"] == bob.id
    assert message["created_at"].endswith("Z")
    second = await (await send(client, alice, stream, "thanks")).json()
    listed = await (await client.get(f"{STREAMS}/{stream['id']}/chat")).json()
    assert [m["id"] for m in listed] == [second["id"], message["id"]]
    for bad in ("", "   ", "x" * 501):
        assert (await send(client, bob, stream, bad)).status == 422
    anonymous = await client.post(f"{STREAMS}/{stream['id']}/chat", json={"text": "hi"})
    assert anonymous.status == 401


async def test_chat_of_private_streams_is_for_followers(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    stream = await create(client, alice, visibility="private")
    await go_live(app, stream, drain)
    assert (await send(client, bob, stream, "hello")).status == 200
    assert (await send(client, carol, stream, "let me in")).status == 404
    listed = await client.get(f"{STREAMS}/{stream['id']}/chat", headers=carol.headers)
    assert listed.status == 404


async def test_chat_rate_limit_answers_429_with_retry_after(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    for n in range(5):
        assert (await send(client, bob, stream, f"spam {n}")).status == 200
    limited = await send(client, bob, stream, "one more")
    assert limited.status == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 5
    assert "too fast" in (await limited.json())["error"]
    assert (await send(client, carol, stream, "my own allowance")).status == 200
    listed = await (await client.get(f"{STREAMS}/{stream['id']}/chat")).json()
    assert "one more" not in {m["content"] for m in listed}


async def test_chat_is_closed_once_the_stream_ended(
    client: TestClient, app: web.Application, alice: User, bob: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    await client.post(f"{STREAMS}/{stream['id']}/end", headers=alice.headers)
    response = await send(client, bob, stream, "too late")
    assert response.status == 422 and "ended" in (await response.json())["error"]


async def test_streamer_bans_and_unbans(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    bans = f"{STREAMS}/{stream['id']}/bans"
    refused = await client.post(bans, headers=carol.headers, json={"account_id": bob.id})
    assert refused.status == 403
    banned = await client.post(bans, headers=alice.headers, json={"account_id": bob.id})
    assert (await banned.json()) == {"account_id": bob.id, "banned": True}
    assert (await client.post(bans, headers=alice.headers, json={"account_id": bob.id})).ok
    response = await send(client, bob, stream, "am I banned?")
    assert response.status == 403 and "banned" in (await response.json())["error"]
    # The ban holds for the streamer's next stream too; Bob can still watch.
    later = await create(client, alice)
    assert (await send(client, bob, later, "and here?")).status == 403
    assert (await show(client, stream["id"], bob)).status == 200

    self_ban = await client.post(bans, headers=alice.headers, json={"account_id": alice.id})
    assert self_ban.status == 422
    ghost = await client.post(bans, headers=alice.headers, json={"account_id": "123"})
    assert ghost.status == 404
    for bad in ({}, {"account_id": "abc"}):
        assert (await client.post(bans, headers=alice.headers, json=bad)).status == 422

    assert (await client.delete(f"{bans}/{bob.id}", headers=carol.headers)).status == 403
    lifted = await client.delete(f"{bans}/{bob.id}", headers=alice.headers)
    assert (await lifted.json()) == {"account_id": bob.id, "banned": False}
    assert (await send(client, bob, stream, "back")).status == 200


async def test_deleting_chat_messages(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    bobs = await (await send(client, bob, stream, "first")).json()
    carols = await (await send(client, carol, stream, "second")).json()
    url = f"{STREAMS}/{stream['id']}/chat"
    assert (await client.delete(f"{url}/{carols['id']}", headers=bob.headers)).status == 403
    assert (await client.delete(f"{url}/{bobs['id']}", headers=bob.headers)).status == 200
    assert (await client.delete(f"{url}/{carols['id']}", headers=alice.headers)).status == 200
    assert (await client.delete(f"{url}/{carols['id']}", headers=alice.headers)).status == 404
    other = await create(client, carol)
    mine = await (await send(client, carol, other, "elsewhere")).json()
    wrong_stream = await client.delete(f"{url}/{mine['id']}", headers=alice.headers)
    assert wrong_stream.status == 404
    assert (await (await client.get(url)).json()) == []


# -- notifications -------------------------------------------------------------------------


async def test_followers_are_notified_when_a_stream_goes_live(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    stream = await create(client, alice, visibility="private")
    await go_live(app, stream, drain)
    await go_live(app, stream, drain)  # said twice: notified once
    notes = await (await client.get("/api/v1/notifications", headers=bob.headers)).json()
    live_notes = [n for n in notes if n["type"] == "chirp.live"]
    assert len(live_notes) == 1
    note = live_notes[0]
    assert note["account"]["id"] == alice.id and note["status"] is None
    assert note["stream"]["id"] == stream["id"] and note["stream"]["state"] == "live"
    filtered = await client.get("/api/v1/notifications?types[]=chirp.live", headers=bob.headers)
    assert [n["id"] for n in await filtered.json()] == [note["id"]]
    assert (await (await client.get("/api/v1/notifications", headers=carol.headers)).json()) == []
    # After unfollowing, the private stream's notification is gone with the access.
    await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bob.headers)
    notes = await (await client.get("/api/v1/notifications", headers=bob.headers)).json()
    assert [n for n in notes if n["type"] == "chirp.live"] == []


async def test_streams_between_blocked_accounts_are_not_shown(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    stream = await create(client, alice)
    await client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    # Blocked by the streamer, or blocking it: as its tweets, the stream is not there.
    assert (await show(client, stream["id"], bob)).status == 404
    await client.post(f"/api/v1/accounts/{alice.id}/block", headers=carol.headers)
    assert (await show(client, stream["id"], carol)).status == 404
    assert (await show(client, stream["id"])).status == 200
    assert (await show(client, stream["id"], alice)).status == 200
