"""Run `chirp serve` as a real subprocess, the way a user or a Procfile does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tests.helpers import CHEAP_ARGON2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ChirpProcess:
    """One `chirp serve` node. `env` adds CHIRP_* settings; logs go to `<data_dir>/../<name>.log`."""

    data_dir: Path
    name: str = "chirp"
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    file_limit: int | None = None  # RLIMIT_NOFILE of the server process, if lowered
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.name}.log"

    def start(self, timeout: float = 20.0) -> ChirpProcess:
        env = {
            **os.environ,
            **{f"CHIRP_{k.upper()}": str(v) for k, v in CHEAP_ARGON2.items()},
            "CHIRP_LOG_LEVEL": "DEBUG",
            "CHIRP_RTMP_PORT": "0",  # tests that publish video pick a free port
            "CHIRP_RATE_LIMITS": "false",  # on only in the tests about them
            "CHIRP_LINK_CARDS": "false",  # no test reaches the web; the card tests serve theirs
            **self.env,
        }
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chirp",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=self._lower_file_limit if self.file_limit else None,
        )
        self.wait_healthy(timeout)
        return self

    def _lower_file_limit(self) -> None:
        import resource

        assert self.file_limit is not None
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.file_limit, hard))

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"chirp exited with {self.process.returncode}:\n{self.logs()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        raise TimeoutError(f"chirp did not become healthy in {timeout}s:\n{self.logs()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send `sig` and wait for the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log:
            self._log.close()
        return int(self.process.returncode)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def register(url: str, username: str, scopes: str = "read write follow") -> dict[str, str]:
    """Register an app and sign up `username` over plain HTTP, as any client would.
    Returns the account id, its token and the app's credentials."""
    import requests

    from tests.helpers import PASSWORD

    app = requests.post(
        f"{url}/api/v1/apps",
        json={"client_name": "e2e", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": scopes},
        timeout=10,
    ).json()
    credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    app_token = requests.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": scopes, **credentials},
        timeout=10,
    ).json()["access_token"]
    created = requests.post(
        f"{url}/api/v1/accounts",
        headers={"Authorization": f"Bearer {app_token}"},
        json={
            "username": username,
            "email": f"{username}@example.com",
            "password": PASSWORD,
            "agreement": True,
        },
        timeout=60,
    )
    assert created.status_code == 200, created.text
    token = created.json()["access_token"]
    me = requests.get(
        f"{url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    return {"id": me["id"], "token": token, **credentials}
