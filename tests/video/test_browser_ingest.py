"""Browser ingest: WebM (VP8/Opus, as MediaRecorder sends it) over the ingest websocket."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from aiohttp import WSMsgType

from chirp.server.app import create_app
from chirp.server.keys import LIVE_HOOKS
from tests.helpers import app_token, make_settings, register_app, require_tool, sign_up
from tests.video.hooks import KEY, AccountHooks, RecordingHooks

INGEST = "/api/v1/chirp/streams/ingest"


def _webm(path: Path, seconds: int) -> bytes:
    subprocess.run(
        [require_tool("ffmpeg", "ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k",
         "-c:a", "libopus", "-f", "webm", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


@pytest.fixture
async def live_app(aiohttp_client, tmp_path: Path):
    settings = make_settings(
        data_dir=tmp_path, live_segment_seconds=1.0, live_reconnect_grace_seconds=0
    )
    app = create_app(settings)
    hooks = RecordingHooks()
    app[LIVE_HOOKS] = hooks
    return await aiohttp_client(app), hooks


async def test_browser_publishes_webm_chunks(live_app, tmp_path: Path) -> None:
    client, hooks = live_app
    data = await asyncio.to_thread(_webm, tmp_path / "camera.webm", 3)
    ws = await client.ws_connect(f"{INGEST}?stream_key={KEY}&width=320&height=240")
    ready = await ws.receive()
    assert ready.type == WSMsgType.TEXT and '"stream_id":"42"' in ready.data
    for start in range(0, len(data), 32 * 1024):  # MediaRecorder timeslices, more or less
        await ws.send_bytes(data[start : start + 32 * 1024])
    await ws.close()
    await asyncio.wait_for(hooks.ended_event.wait(), 30)
    assert hooks.live == [42]
    master = await (await client.get("/media/live/42/master.m3u8")).text()
    assert master.count("RESOLUTION=") == 1 and "RESOLUTION=320x240" in master
    playlist = await (await client.get("/media/live/42/240p/index.m3u8")).text()
    assert playlist.count("#EXTINF") >= 2 and "#EXT-X-ENDLIST" in playlist


async def test_wrong_key_and_missing_credentials_refused_before_upgrade(live_app) -> None:
    client, hooks = live_app
    wrong = await client.get(f"{INGEST}?stream_key=nope")
    assert wrong.status == 403 and "stream key" in (await wrong.json())["error"]
    missing = await client.get(INGEST)
    assert missing.status in (400, 422) and (await missing.json())["error"]
    bad_token = await client.get(f"{INGEST}?access_token=nope")
    assert bad_token.status == 401
    bad_size = await client.get(f"{INGEST}?stream_key={KEY}&width=lots")
    assert bad_size.status in (400, 422)
    assert hooks.live == []


async def test_ingest_off_without_relay(aiohttp_client, tmp_path: Path) -> None:
    app = create_app(make_settings(data_dir=tmp_path))
    del app[LIVE_HOOKS]
    client = await aiohttp_client(app)
    got = await client.get(f"{INGEST}?stream_key={KEY}")
    assert got.status == 503 and (await got.json())["error"]


async def test_signed_in_streamer_publishes_with_a_write_token(aiohttp_client, tmp_path) -> None:
    app = create_app(make_settings(data_dir=tmp_path, live_reconnect_grace_seconds=0))
    hooks = AccountHooks({})
    app[LIVE_HOOKS] = hooks
    client = await aiohttp_client(app)
    streamer = await sign_up(client)
    hooks.streamers = {int(streamer.id): 77}
    credentials = await register_app(client)
    read_only = await client.get(
        f"{INGEST}?access_token={await app_token(client, credentials, 'read')}"
    )
    assert read_only.status == 403
    app_only = await client.get(f"{INGEST}?access_token={await app_token(client, credentials)}")
    assert app_only.status == 422
    ws = await client.ws_connect(INGEST, headers=streamer.headers)
    ready = await ws.receive()
    assert ready.type == WSMsgType.TEXT and '"stream_id":"77"' in ready.data
    await ws.close()
    await asyncio.wait_for(hooks.ended_event.wait(), 30)
    assert hooks.ended_ids == [77] and hooks.live == []  # nothing was sent, nothing went live


async def test_second_browser_with_the_key_takes_over(live_app, tmp_path: Path) -> None:
    client, hooks = live_app
    data = await asyncio.to_thread(_webm, tmp_path / "camera.webm", 2)
    first = await client.ws_connect(f"{INGEST}?stream_key={KEY}&width=320&height=240")
    assert (await first.receive()).type == WSMsgType.TEXT
    await first.send_bytes(data[: len(data) // 2])  # then the tab freezes: silent, still open
    second = await client.ws_connect(f"{INGEST}?stream_key={KEY}&width=320&height=240")
    ready = await second.receive()
    assert ready.type == WSMsgType.TEXT and '"stream_id":"42"' in ready.data
    dropped = await asyncio.wait_for(first.receive(), 10)
    assert dropped.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR)
    assert hooks.ended_ids == []  # taken over, not ended
    await second.send_bytes(data)
    await second.close()
    await asyncio.wait_for(hooks.ended_event.wait(), 30)
    assert hooks.ended_ids == [42]
