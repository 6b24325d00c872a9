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
    # A clean close checkpoints the WAL into the database file and removes it.
    assert not (tmp_path / "data" / "chirp.db-wal").exists()

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
