"""Real streaming clients against `chirp serve`: Mastodon.py's `stream_user` (SSE) and the
`websockets` library; SIGTERM ends streams with 1001."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from typing import Any

import orjson
import websockets
from mastodon import Mastodon, StreamListener

from tests.e2e.process import ChirpProcess
from tests.helpers import PASSWORD

SCOPES = ["read", "write", "follow"]


class Recorder(StreamListener):
    def __init__(self) -> None:
        self.updates: list[Any] = []
        self.notifications: list[Any] = []
        self.deletes: list[Any] = []
        self.heartbeats = 0

    def on_update(self, status: Any) -> None:
        self.updates.append(status)

    def on_notification(self, notification: Any) -> None:
        self.notifications.append(notification)

    def on_delete(self, status_id: Any) -> None:
        self.deletes.append(status_id)

    def handle_heartbeat(self) -> None:
        self.heartbeats += 1


def _user(url: str, app: tuple[str, str], name: str) -> Mastodon:
    api = Mastodon(*app, api_base_url=url)
    api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True, scopes=SCOPES)
    return api


def _wait(check: Any, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_mastodon_py_stream_user(tmp_path: Any) -> None:
    # A short heartbeat, so `:thump` shows up within the test and the client closes promptly.
    node = ChirpProcess(tmp_path / "data", env={"CHIRP_STREAM_HEARTBEAT_SECONDS": "0.5"}).start()
    try:
        _stream_user_scenario(node)
    finally:
        node.stop()


def _stream_user_scenario(chirp_server: ChirpProcess) -> None:
    app = Mastodon.create_app("stream e2e", scopes=SCOPES, api_base_url=chirp_server.url)
    ada, bob = _user(chirp_server.url, app, "ada"), _user(chirp_server.url, app, "bob")
    ada.account_follow(bob.me()["id"])
    assert ada.stream_healthy()

    listener = Recorder()
    handle = ada.stream_user(listener, run_async=True, reconnect_async=False)
    try:
        time.sleep(0.3)
        tweet = bob.status_post("streaming to @ada")
        _wait(lambda: listener.updates and listener.notifications)
        assert [s["id"] for s in listener.updates] == [tweet["id"]]
        assert listener.notifications[0]["type"] == "mention"
        bob.status_favourite(ada.status_post("mine")["id"])
        _wait(lambda: len(listener.notifications) >= 2)
        assert listener.notifications[1]["type"] == "favourite"
        bob.status_delete(tweet["id"])
        _wait(lambda: listener.deletes)
        assert [int(d) for d in listener.deletes] == [int(tweet["id"])]
        _wait(lambda: listener.heartbeats > 0)
        assert listener.heartbeats > 0
    finally:
        handle.close()


def test_websocket_client_and_sigterm_closes_with_1001(tmp_path: Any) -> None:
    node = ChirpProcess(tmp_path / "data").start()
    try:
        app = Mastodon.create_app("ws e2e", scopes=SCOPES, api_base_url=node.url)
        ada = _user(node.url, app, "ada")

        async def scenario() -> int | None:
            url = f"ws://127.0.0.1:{node.port}/api/v1/streaming"
            async with websockets.connect(url, subprotocols=[ada.access_token]) as ws:  # type: ignore[list-item]
                await ws.send(orjson.dumps({"type": "subscribe", "stream": "public"}).decode())
                await ws.send(
                    orjson.dumps({"type": "subscribe", "stream": "hashtag", "tag": "E2E"}).decode()
                )
                await asyncio.sleep(0.2)
                await asyncio.to_thread(ada.status_post, "over the wire #e2e")
                frames = [orjson.loads(await asyncio.wait_for(ws.recv(), 2)) for _ in range(2)]
                assert sorted(f["stream"][0] for f in frames) == ["hashtag", "public"]
                threading.Timer(0.1, node.process.send_signal, [signal.SIGTERM]).start()  # type: ignore[union-attr]
                try:
                    await asyncio.wait_for(ws.recv(), 5)
                except websockets.ConnectionClosed as closed:
                    return closed.rcvd.code if closed.rcvd else None
                return None

        assert asyncio.run(scenario()) == 1001
        assert node.stop() == 0
    finally:
        node.stop()
