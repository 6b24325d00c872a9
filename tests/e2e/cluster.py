"""A real cluster on one machine: a PostgreSQL server as the shared store, a real `redis-server`, the GCS emulator for
media, three `chirp serve` nodes with distinct node ids, and Debian's HAProxy in front
(websocket upgrade, health checks on `/readyz`, least connections)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tests.e2e.process import ChirpProcess, free_port
from tests.gcs_emulator import gcs_emulator
from tests.helpers import require_tool
from tests.postgresql_server import PostgresCluster
from tests.redis_server import RedisProcess

HAPROXY_CONFIG = """
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # Websockets: once upgraded, a tunnel lives this long without traffic.
    timeout tunnel 1h
    option redispatch
    retries 2
    retry-on conn-failure empty-response
frontend chirp
    bind 127.0.0.1:{port}
    default_backend nodes
backend nodes
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{servers}
"""


class ClusterStore(Protocol):
    """The store every node shares, and how the test takes it out of reach for a while."""

    env: dict[str, str]

    def outage(self) -> AbstractContextManager[None]: ...


@dataclass
class PostgresqlStore:
    """Every node on one PostgreSQL server the test starts. Out of reach: the server is stopped
    (`pg_ctl stop -m fast`, which closes every node's connections) and started again on the
    same port when the outage ends, a restart as a failover or an upgrade makes one."""

    server: PostgresCluster

    @classmethod
    def started(cls) -> PostgresqlStore:
        # Not under pytest's tmp_path: as root the server runs as another user, who cannot
        # enter root's private temporary folders.
        server = PostgresCluster(Path(tempfile.mkdtemp(prefix="chirp-cluster-pg-")) / "data")
        server.init()
        server.start()
        return cls(server)

    @property
    def env(self) -> dict[str, str]:
        return {"CHIRP_STORE": self.server.url}

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.server.stop("fast")
        try:
            yield
        finally:
            self.server.start(self.server.port)

    def stop(self) -> None:
        self.server.stop("immediate")
        shutil.rmtree(self.server.data.parent, ignore_errors=True)


@dataclass
class Cluster:
    url: str
    nodes: list[ChirpProcess]
    redis: RedisProcess
    store: ClusterStore


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


@contextmanager
def cluster(tmp_path: Path, store: ClusterStore, size: int = 3) -> Iterator[Cluster]:
    haproxy = require_tool("haproxy", "haproxy")
    with ExitStack() as stack:
        redis = RedisProcess(tmp_path / "redis")
        redis.start()
        stack.callback(redis.kill)
        emulator = stack.enter_context(gcs_emulator(tmp_path / "gcs", "chirp-media"))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **store.env,
            "CHIRP_BUS": redis.url,
            "CHIRP_PUBLIC_URL": url,
            "CHIRP_TRUSTED_PROXIES": "127.0.0.1/32",
            "CHIRP_MEDIA_STORE": "gs://chirp-media/cluster",
            "STORAGE_EMULATOR_HOST": emulator,
            "CHIRP_NODE_DEAD_AFTER_SECONDS": "3",
            "CHIRP_LOG_LEVEL": "INFO",
        }
        nodes = [
            ChirpProcess(
                tmp_path / f"node{n}", name=f"node{n}", env={**env, "CHIRP_NODE_ID": str(n)}
            )
            for n in range(1, size + 1)
        ]
        for node in nodes:
            node.start()
            stack.callback(node.stop)
        servers = "\n".join(
            f"    server node{n} 127.0.0.1:{node.port} check" for n, node in enumerate(nodes, 1)
        )
        # When every node reports unready (Redis away), send traffic anyway, as Google's load
        # balancers do: REST still works without the bus.
        servers += "\n" + "\n".join(
            f"    server open{n} 127.0.0.1:{node.port} backup" for n, node in enumerate(nodes, 1)
        )
        config = tmp_path / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers))
        log = (tmp_path / "haproxy.log").open("wb")
        balancer = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=log, stderr=log)

        def stop_balancer() -> None:
            balancer.terminate()
            balancer.wait(10)
            log.close()

        stack.callback(stop_balancer)
        _wait_port(port)
        yield Cluster(url=url, nodes=nodes, redis=redis, store=store)
