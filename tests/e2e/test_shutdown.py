"""SIGTERM: in-flight requests finish, new ones are refused, the store is closed cleanly."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import requests

from tests.e2e.process import ChirpProcess, register
from tests.helpers import PASSWORD

# A deliberately slow password hash (~1 s) keeps a login in flight while the signal arrives.
SLOW_ARGON2 = {"CHIRP_ARGON2_TIME_COST": "20", "CHIRP_ARGON2_MEMORY_KIB": "65536"}


def _sign_up(url: str) -> tuple[str, str]:
    user = register(url, "grace", scopes="read write")
    return user["client_id"], user["client_secret"]


def test_sigterm_lets_in_flight_requests_finish_and_closes_the_store(tmp_path: Path) -> None:
    node = ChirpProcess(tmp_path / "data", env=SLOW_ARGON2).start()
    try:
        client_id, client_secret = _sign_up(node.url)
        result: dict[str, requests.Response] = {}

        def log_in() -> None:
            result["login"] = requests.post(
                f"{node.url}/oauth/token",
                data={
                    "grant_type": "password",
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "username": "grace",
                    "password": PASSWORD,
                    "scope": "read",
                },
                timeout=30,
            )

        in_flight = threading.Thread(target=log_in)
        in_flight.start()
        time.sleep(0.3)  # the login is now hashing
        started = time.monotonic()
        node.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        time.sleep(0.1)
        # An impatient supervisor signals again: the shutdown must still complete cleanly.
        node.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        in_flight.join(30)
        exit_code = node.stop()
    finally:
        node.stop()

    assert result["login"].status_code == 200, result["login"].text
    token = result["login"].json()["access_token"]
    assert exit_code == 0
    assert time.monotonic() - started < 10
    assert "chirp stopped" in node.logs()
    # A clean close checkpoints the WALs into the database files and removes them.
    assert not (tmp_path / "data" / "chirp.db-wal").exists()
    assert not (tmp_path / "data" / "chirp-feeds.db-wal").exists()

    # The login written during shutdown survived: the token works after a restart.
    again = ChirpProcess(tmp_path / "data", name="again", env=SLOW_ARGON2).start()
    try:
        me = requests.get(
            f"{again.url}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert me.status_code == 200
        assert me.json()["username"] == "grace"
    finally:
        again.stop()


def test_sigterm_while_a_stream_is_live_ends_it_and_exits(tmp_path: Path) -> None:
    """A node going down mid-broadcast ends its streams (final playlists written, the domain
    told) and exits promptly: the end wakes the outbox dispatcher just as shutdown cancels it,
    which once swallowed the cancellation and hung the process until it was killed."""
    import subprocess

    from tests.e2e.process import free_port
    from tests.video.publisher import encoder_args

    node = ChirpProcess(
        tmp_path / "data",
        env={"CHIRP_RTMP_PORT": str(free_port()), "CHIRP_LIVE_SEGMENT_SECONDS": "1"},
    ).start()
    encoder = None
    try:
        streamer = register(node.url, "streamer")
        auth = {"Authorization": f"Bearer {streamer['token']}"}
        api = f"{node.url}/api/v1/chirp"
        stream = requests.post(f"{api}/streams", headers=auth, json={"title": "x"}, timeout=10)
        stream_id = stream.json()["id"]
        key = requests.post(f"{api}/stream_key", headers=auth, timeout=10).json()
        encoder = subprocess.Popen(
            encoder_args(f"{key['rtmp_url']}/{key['stream_key']}", seconds=60),
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while requests.get(f"{api}/streams/{stream_id}", timeout=10).json()["state"] != "live":
            assert time.monotonic() < deadline, "the stream did not go live"
            time.sleep(0.2)
        time.sleep(3)  # a few segments on air
        started = time.monotonic()
        assert node.stop(signal.SIGTERM, timeout=15) == 0, node.logs()
        assert time.monotonic() - started < 10
    finally:
        if encoder is not None:
            encoder.kill()
            encoder.wait()
    playlists = list((tmp_path / "data" / "media" / "live" / stream_id).glob("*/index.m3u8"))
    assert playlists and all("#EXT-X-ENDLIST" in p.read_text() for p in playlists)
    # The end was recorded before the store closed: the next start sees an ended stream.
    again = ChirpProcess(tmp_path / "data", name="again").start()
    try:
        shown = requests.get(f"{again.url}/api/v1/chirp/streams/{stream_id}", timeout=10).json()
        assert shown["state"] == "ended"
    finally:
        again.stop()


def test_signals_all_through_the_wind_down_still_end_in_a_clean_exit(tmp_path: Path) -> None:
    """A supervisor that keeps signalling: after the loop has closed (its handlers gone), the
    process still has to finish winding down, not die of the signal (-15)."""
    node = ChirpProcess(tmp_path / "data").start()
    try:
        assert node.process is not None
        while node.process.poll() is None:
            node.process.send_signal(signal.SIGTERM)
            time.sleep(0.002)
        assert node.process.wait(15) == 0, node.logs()
        assert "chirp stopped" in node.logs()
    finally:
        node.stop()
