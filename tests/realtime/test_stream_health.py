"""Stream health: what `chirp.video.health` computes, and its way to the streamer alone
(`chirp:live:health` on the streaming websocket)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.server.keys import LIVE_REALTIME
from chirp.video.health import Health, parse_progress
from tests.handlers.test_live_streams import create, go_live
from tests.helpers import Drain, User, follow
from tests.realtime.test_live_realtime import command, quiet, receive, socket, watch


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"data_dir": tmp_path}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_health_report() -> None:
    clock = Clock()
    health = Health([("720p", True), ("240p", False)], clock=clock)
    empty = health.report()
    assert empty["ingest_kbps"] is None and empty["frame_rate"] is None
    assert empty["rungs"][0] == {"name": "720p", "passthrough": True, "speed": None, "kbps": None}
    for _ in range(10):  # 250 kB a second for 10 s: 2000 kbit/s
        health.ingested(250_000)
        clock.now += 1.0
    assert health.report()["ingest_kbps"] == 2000
    block = parse_progress(["frame=300\n", "fps=30.0\n", "drop_frames=2\n", "dup_frames=1\n",
                            "speed=0.98x\n", "progress=continue\n"])  # fmt: skip
    health.progress(block)
    clock.now += 2.0
    health.progress({**block, "frame": "360"})
    for _ in range(3):  # a 2 s segment every 2 s on 720p; 240p falls behind (every 4 s)
        health.segment("720p", 2.0, 500_000)
        health.segment("240p", 2.0, 100_000)
        clock.now += 2.0
    health.segment("240p", 2.0, 100_000)
    report = health.report()
    assert report["frame_rate"] == 30.0  # 60 frames in 2 s
    assert (report["dropped_frames"], report["duplicated_frames"]) == (2, 1)
    assert report["encoder_speed"] == 0.98 and report["frames"] == 360
    top, low = report["rungs"]
    assert (top["speed"], top["kbps"]) == (1.0, 2000)
    assert low["speed"] is not None and low["speed"] == 1.0  # listed 4 in 6 s: 3 x 2 s media
    health.progress({"frame": "N/A", "speed": "N/A"})
    assert health.report()["encoder_speed"] is None


async def test_only_the_streamer_hears_health(
    client: TestClient, app: web.Application, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, bob, alice)
    stream = await create(client, alice)
    await go_live(app, stream, drain)
    async with socket(client, alice) as streamer, socket(client, bob) as viewer:
        await command(
            streamer, {"type": "subscribe", "stream": "chirp:live:health", "id": stream["id"]}
        )
        await command(
            viewer, {"type": "subscribe", "stream": "chirp:live:health", "id": stream["id"]}
        )
        refused = await receive(viewer)
        assert refused.get("status") == 404 or "error" in refused
        await watch(viewer, stream)  # a watcher's chirp:live does not carry health either
        await app[LIVE_REALTIME].health(int(stream["id"]), {"ingest_kbps": 2500, "rungs": []})
        frame = await receive(streamer)
        assert frame["stream"] == ["chirp:live:health", stream["id"]]
        assert frame["event"] == "stream.health" and "id" not in frame  # not kept
        assert orjson.loads(frame["payload"]) == {
            "stream_id": stream["id"],
            "ingest_kbps": 2500,
            "rungs": [],
        }
        await quiet(viewer)
    async with socket(client) as anonymous:
        await command(
            anonymous, {"type": "subscribe", "stream": "chirp:live:health", "id": stream["id"]}
        )
        assert "error" in await receive(anonymous)
