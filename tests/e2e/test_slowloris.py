"""Slowloris against a real `chirp serve` with a low open-files limit: half-sent requests and
idle connections cannot take the node down, a normal client is still served, slow heads and
bodies are cut off, and past the connection cap the answer is a clear 503."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.process import ChirpProcess

FILE_LIMIT = 256
HALF_SENT = b"GET /api/v1/instance HTTP/1.1\r\nHost: chirp.test\r\nX-Slow: "


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ChirpProcess]:
    server = ChirpProcess(
        tmp_path / "data",
        env={"CHIRP_HEADER_TIMEOUT_SECONDS": "3", "CHIRP_BODY_TIMEOUT_SECONDS": "3"},
        file_limit=FILE_LIMIT,
    ).start()
    try:
        yield server
    finally:
        server.stop()


def _open(node: ChirpProcess, first_bytes: bytes) -> socket.socket | None:
    try:
        conn = socket.create_connection(("127.0.0.1", node.port), timeout=5)
    except OSError:
        return None
    try:
        if first_bytes:
            conn.sendall(first_bytes)
    except OSError:
        conn.close()
        return None
    return conn


def _get_instance(node: ChirpProcess) -> int:
    with urllib.request.urlopen(f"{node.url}/api/v1/instance", timeout=5) as response:
        return int(response.status)


def _closed_by_server(conn: socket.socket, within: float) -> bool:
    conn.settimeout(within)
    try:
        conn.recv(4096)  # EOF, or a 408/400 before it: either way the server let go
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


def test_half_sent_requests_cannot_starve_a_normal_client(node: ChirpProcess) -> None:
    attackers = [conn for conn in (_open(node, HALF_SENT) for _ in range(400)) if conn]
    idle = [conn for conn in (_open(node, b"") for _ in range(100)) if conn]
    try:
        started = time.monotonic()
        assert _get_instance(node) == 200
        assert time.monotonic() - started < 3  # served at once, not after the head timeout
        # The half-sent requests are cut off after the 3 s head deadline.
        time.sleep(3.5)
        still_open = [conn for conn in attackers if not _closed_by_server(conn, 0.05)]
        assert still_open == []
        assert _get_instance(node) == 200
    finally:
        for conn in attackers + idle:
            conn.close()
    assert node.process is not None and node.process.poll() is None


def test_a_trickled_body_is_cut_off(node: ChirpProcess) -> None:
    head = (
        b"POST /api/v1/apps HTTP/1.1\r\nHost: chirp.test\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    )
    conn = _open(node, head)
    assert conn is not None
    try:
        started = time.monotonic()
        conn.settimeout(10)
        while True:  # the server reads nothing more and closes within the body deadline
            try:
                conn.sendall(b" ")
                if conn.recv(4096) == b"":
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        assert 2.5 < time.monotonic() - started < 8
    finally:
        conn.close()


def test_past_the_connection_cap_the_answer_is_503(tmp_path: Path) -> None:
    server = ChirpProcess(
        tmp_path / "data", env={"CHIRP_MAX_CONNECTIONS": "10", "CHIRP_BODY_TIMEOUT_SECONDS": "30"}
    ).start()
    head = (
        b"POST /api/v1/apps HTTP/1.1\r\nHost: chirp.test\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    )
    # Ten requests in progress (bodies still coming): none idle, none may be evicted.
    busy = [conn for conn in (_open(server, head) for _ in range(10)) if conn]
    try:
        assert len(busy) == 10
        time.sleep(0.3)
        conn = _open(server, b"GET /api/v1/instance HTTP/1.1\r\nHost: chirp.test\r\n\r\n")
        assert conn is not None
        conn.settimeout(5)
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
        conn.close()
        head_part, _, body = answer.partition(b"\r\n\r\n")
        assert head_part.startswith(b"HTTP/1.1 503")
        assert b"Retry-After: 1" in head_part
        assert "too many open connections" in json.loads(body)["error"]
    finally:
        for conn in busy:
            conn.close()
        server.stop()
    assert "connection cap reached" in server.logs()
