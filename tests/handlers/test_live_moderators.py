"""Chat moderators a streamer appoints (`/api/v1/chirp/moderators`), what they may do in chat,
and a stream's viewer count history (`/api/v1/chirp/streams/:id/viewers/history`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core import live
from chirp.server.keys import CONTEXT
from tests.handlers.test_live_streams import STREAMS, VIEWER, create, go_live, send
from tests.helpers import Drain, User, sign_up

MODERATORS = "/api/v1/chirp/moderators"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path, "rtmp_port": 0}


async def test_streamer_appoints_lists_and_dismisses(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    assert (await client.get(MODERATORS)).status == 401
    assert await (await client.get(MODERATORS, headers=alice.headers)).json() == []
    appointed = await client.post(MODERATORS, headers=alice.headers, json={"account_id": bob.id})
    assert await appointed.json() == {"account_id": bob.id, "moderator": True}
    again = await client.post(MODERATORS, headers=alice.headers, json={"account_id": bob.id})
    assert again.status == 200  # idempotent
    await client.post(MODERATORS, headers=alice.headers, json={"account_id": carol.id})
    listed = await (await client.get(MODERATORS, headers=alice.headers)).json()
    assert [a["id"] for a in listed] == [bob.id, carol.id]
    assert listed[0]["username"] == "bob"
    # Anyone who may watch a stream sees who moderates its chat.
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    public = await (await client.get(f"{STREAMS}/{stream['id']}/moderators")).json()
    assert [a["id"] for a in public] == [bob.id, carol.id]
    private = await create(client, alice, visibility="private")
    assert (await client.get(f"{STREAMS}/{private['id']}/moderators")).status == 404

    dismissed = await client.delete(f"{MODERATORS}/{carol.id}", headers=alice.headers)
    assert await dismissed.json() == {"account_id": carol.id, "moderator": False}
    assert (await client.delete(f"{MODERATORS}/{carol.id}", headers=alice.headers)).status == 200
    listed = await (await client.get(MODERATORS, headers=alice.headers)).json()
    assert [a["id"] for a in listed] == [bob.id]

    for bad, status in (({}, 422), ({"account_id": "x"}, 422), ({"account_id": "123"}, 404)):
        response = await client.post(MODERATORS, headers=alice.headers, json=bad)
        assert response.status == status, bad
    itself = await client.post(MODERATORS, headers=alice.headers, json={"account_id": alice.id})
    assert itself.status == 422


async def test_moderators_delete_and_ban(
    client: TestClient, app: web.Application, alice: User, bob: User, carol: User, drain: Drain
) -> None:
    dave = await sign_up(client, username="dave")
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    said = await (await send(client, carol, stream, "rude words")).json()
    chat = f"{STREAMS}/{stream['id']}/chat/{said['id']}"
    bans = f"{STREAMS}/{stream['id']}/bans"
    # Not a moderator yet: Bob may neither delete Carol's message nor ban her.
    assert (await client.delete(chat, headers=bob.headers)).status == 403
    assert (
        await client.post(bans, headers=bob.headers, json={"account_id": carol.id})
    ).status == 403

    await client.post(MODERATORS, headers=alice.headers, json={"account_id": bob.id})
    await client.post(MODERATORS, headers=alice.headers, json={"account_id": dave.id})
    assert (await client.delete(chat, headers=bob.headers)).status == 200
    history = await (await client.get(f"{STREAMS}/{stream['id']}/chat")).json()
    assert said["id"] not in [m["id"] for m in history]
    banned = await client.post(bans, headers=bob.headers, json={"account_id": carol.id})
    assert await banned.json() == {"account_id": carol.id, "banned": True}
    assert (await send(client, carol, stream, "again")).status == 403
    # The ban is the streamer's: it holds in their next stream too. A moderator lifts it.
    assert (await client.delete(f"{bans}/{carol.id}", headers=bob.headers)).status == 200
    assert (await send(client, carol, stream, "sorry")).status == 200
    # Nobody bans the streamer; only the streamer bans a moderator.
    streamer = await client.post(bans, headers=bob.headers, json={"account_id": alice.id})
    assert streamer.status == 403
    fellow = await client.post(bans, headers=bob.headers, json={"account_id": dave.id})
    assert fellow.status == 403
    assert (await client.post(bans, headers=alice.headers, json={"account_id": dave.id})).ok
    # Dismissed, Bob is a viewer again.
    await client.delete(f"{MODERATORS}/{bob.id}", headers=alice.headers)
    later = await (await send(client, carol, stream, "hello")).json()
    assert (
        await client.delete(f"{STREAMS}/{stream['id']}/chat/{later['id']}", headers=bob.headers)
    ).status == 403


async def test_viewer_history_per_minute(
    client: TestClient, app: web.Application, alice: User, bob: User, drain: Drain
) -> None:
    stream = await create(client, alice)
    history = f"{STREAMS}/{stream['id']}/viewers/history"
    assert await (await client.get(history)).json() == []
    await go_live(app, stream, drain)
    for viewer in (VIEWER, VIEWER.replace("0", "1")):
        beat = await client.post(f"{STREAMS}/{stream['id']}/heartbeat", json={"viewer": viewer})
        assert beat.status == 200
    await live.refresh_viewer_counts(app[CONTEXT])  # what every node's sweep does
    samples = await (await client.get(history)).json()
    assert len(samples) == 1 and samples[0]["viewers_count"] == 2
    assert samples[0]["at"].endswith(":00.000Z")  # the minute
    private = await create(client, alice, visibility="private")
    assert (await client.get(f"{STREAMS}/{private['id']}/viewers/history")).status == 404
    shown = await client.get(f"{STREAMS}/{private['id']}/viewers/history", headers=alice.headers)
    assert shown.status == 200
    assert (await client.get(f"{STREAMS}/999/viewers/history")).status == 404
