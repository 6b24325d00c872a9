"""`chirp serve --workers N`: processes sharing the port, each its own snowflake node id, stopped
gracefully together by SIGTERM to the parent; refused with the in-process memory bus."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from chirp.core.ids import NODE_BITS, SEQUENCE_BITS
from tests.e2e.process import ChirpProcess, register
from tests.helpers import PASSWORD
from tests.redis_server import redis_server

SLOW_ARGON2 = {"CHIRP_ARGON2_TIME_COST": "20", "CHIRP_ARGON2_MEMORY_KIB": "65536"}


def _node_of(snowflake: str) -> int:
    return (int(snowflake) >> SEQUENCE_BITS) & ((1 << NODE_BITS) - 1)


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def test_workers_with_the_memory_bus_are_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chirp", "serve", "--workers", "2", "--port", "0"],
        env={"CHIRP_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "CHIRP_BUS=redis://" in done.stderr
    assert "Traceback" not in done.stderr


def test_workers_share_the_port_with_distinct_node_ids_and_stop_gracefully(
    tmp_path: Path,
) -> None:
    with redis_server(tmp_path / "redis") as bus:
        env = {**SLOW_ARGON2, "CHIRP_BUS": bus, "CHIRP_WORKERS": "2", "CHIRP_NODE_ID": "40"}
        node = ChirpProcess(tmp_path / "data", env=env).start(timeout=60)
        try:
            assert node.process is not None
            workers = _children(node.process.pid)
            assert len(workers) == 2
            user = register(node.url, "grace", scopes="read write")
            auth = {"Authorization": f"Bearer {user['token']}"}
            # Each request on a fresh connection: the kernel spreads them over both workers.
            posted = [
                requests.post(
                    f"{node.url}/api/v1/statuses",
                    headers={**auth, "Connection": "close"},
                    data={"status": f"tweet {n}"},
                    timeout=30,
                ).json()["id"]
                for n in range(24)
            ]
            assert {_node_of(i) for i in posted} == {40, 41}
            # Whichever worker answers, it reads what the other one wrote.
            for _ in range(6):
                timeline = requests.get(
                    f"{node.url}/api/v1/accounts/{user['id']}/statuses?limit=40",
                    headers={**auth, "Connection": "close"},
                    timeout=30,
                ).json()
                assert {s["id"] for s in timeline} == set(posted)

            result: dict[str, requests.Response] = {}

            def log_in() -> None:
                result["login"] = requests.post(
                    f"{node.url}/oauth/token",
                    data={
                        "grant_type": "password",
                        "client_id": user["client_id"],
                        "client_secret": user["client_secret"],
                        "username": "grace",
                        "password": PASSWORD,
                        "scope": "read",
                    },
                    timeout=30,
                )

            in_flight = threading.Thread(target=log_in)
            in_flight.start()
            time.sleep(0.3)  # the login is now hashing in one of the workers
            node.process.send_signal(signal.SIGTERM)
            time.sleep(0.1)
            node.process.send_signal(signal.SIGTERM)  # a second signal changes nothing
            in_flight.join(30)
            exit_code = node.stop()
        finally:
            node.stop()

    assert result["login"].status_code == 200, result["login"].text
    assert exit_code == 0, node.logs()
    assert "chirp stopped" in node.logs()
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists()
    assert not (tmp_path / "data" / "chirp.db-wal").exists()
    assert not (tmp_path / "data" / "chirp-feeds.db-wal").exists()


def test_node_ids_beyond_63_are_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chirp", "serve", "--workers", "2", "--port", "0"],
        env={
            "CHIRP_DATA_DIR": str(tmp_path / "data"),
            "CHIRP_BUS": "redis://127.0.0.1:1/0",
            "CHIRP_NODE_ID": "63",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "up to 63" in done.stderr
