"""The app runs the relay and its RTMP ingest once the domain wires LiveHooks; segments land in
the app's blob store and are served under /media."""

from __future__ import annotations

import asyncio
from pathlib import Path

from chirp.server.app import create_app
from chirp.server.keys import LIVE_HOOKS, RELAY
from chirp.video.ladder import RungSpec
from tests.e2e.process import free_port
from tests.helpers import make_settings
from tests.video.hooks import KEY, RecordingHooks
from tests.video.publisher import publish


async def test_app_binds_rtmp_and_publishes_to_its_blob_store(
    aiohttp_client, tmp_path: Path
) -> None:
    port = free_port()
    settings = make_settings(
        data_dir=tmp_path, rtmp_port=port, live_segment_seconds=1.0, live_reconnect_grace_seconds=0
    )
    app = create_app(settings)
    hooks = RecordingHooks()
    app[LIVE_HOOKS] = hooks
    client = await aiohttp_client(app)
    assert app[RELAY].config.segment_seconds == 1.0

    publisher = await publish(f"rtmp://127.0.0.1:{port}/live/{KEY}", seconds=3)
    await publisher.wait()
    await asyncio.wait_for(hooks.ended_event.wait(), 30)

    master = await client.get("/media/live/42/master.m3u8")
    assert master.status == 200
    assert master.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    variant = await client.get("/media/live/42/360p/index.m3u8")
    body = await variant.text()
    assert "#EXT-X-ENDLIST" in body
    segment = body.splitlines()[-2]
    got = await client.get(f"/media/live/42/360p/{segment}")
    assert got.status == 200
    assert got.headers["Cache-Control"] == "public, max-age=31536000, immutable"


async def test_app_without_live_hooks_leaves_rtmp_off(aiohttp_client, tmp_path: Path) -> None:
    port = free_port()
    app = create_app(make_settings(data_dir=tmp_path, rtmp_port=port))
    del app[LIVE_HOOKS]
    await aiohttp_client(app)
    assert RELAY not in app
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return
    writer.close()
    raise AssertionError("RTMP port open without a relay")


async def test_app_relay_takes_the_configured_ladder(aiohttp_client, tmp_path: Path) -> None:
    app = create_app(make_settings(data_dir=tmp_path, rtmp_port=0, live_ladder="160p@200,480p"))
    app[LIVE_HOOKS] = RecordingHooks()
    await aiohttp_client(app)
    assert app[RELAY].config.ladder == (RungSpec(480, 1200), RungSpec(160, 200))
