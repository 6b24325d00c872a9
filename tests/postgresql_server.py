"""Start a real, throwaway PostgreSQL server (initdb + pg_ctl) on a free port for the tests."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

# Debian keeps the server's programs out of PATH, under the major version's own directory.
_SEARCH = [f"/usr/lib/postgresql/{major}/bin" for major in (17, 16, 15)] + ["/usr/local/bin"]


def postgresql_bindir() -> Path | None:
    for folder in [*os.environ.get("CHIRP_TEST_PG_BINDIR", "").split(os.pathsep), *_SEARCH]:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def require_postgresql() -> Path:
    """Where initdb/pg_ctl are. Missing: skipped locally, a failure in CI (`CI=true`), where
    `.ci/run` installs Debian's `postgresql` package."""
    bindir = postgresql_bindir()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "PostgreSQL's initdb/pg_ctl are not installed (.ci/run installs postgresql)"
            )
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql)")
    return bindir


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres_user() -> dict[str, object]:
    """initdb refuses to run as root: as root, run the server as an unprivileged user."""
    if os.geteuid() != 0:
        return {}
    import pwd

    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid}
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


# A throwaway cluster for tests: nothing need survive a crash.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# As durable as the SQLite store's WAL at synchronous=NORMAL (benchmarks): every commit is in
# the WAL, written to disk by the WAL writer within milliseconds instead of flushed per commit.
DURABLE = "-c synchronous_commit=off"


class PostgresCluster:
    """A PostgreSQL cluster in `data` (created by `init`), run by `start`/`stop` on a free port
    (loopback only, trust auth). As root, it runs as an unprivileged user (initdb refuses root)."""

    def __init__(self, data: Path, bindir: Path | None = None, settings: str = FAST) -> None:
        self.bindir = bindir or require_postgresql()
        self.data = data
        self.settings = settings
        self.run_as = _as_postgres_user()
        self.port = 0
        self.url = ""

    def _run(self, *argv: object) -> None:
        subprocess.run([str(a) for a in argv], check=True, capture_output=True, **self.run_as)  # type: ignore[call-overload]

    def own(self, path: Path) -> None:
        """Hand `path` (and what is in it) to the server's user."""
        if self.run_as:
            for entry in [path, *path.rglob("*")]:
                os.chown(entry, self.run_as["user"], self.run_as["group"])  # type: ignore[arg-type]

    def init(self) -> None:
        self.data.parent.mkdir(parents=True, exist_ok=True)
        self.own(self.data.parent)
        self._run(
            self.bindir / "initdb", "-D", self.data, "-U", "chirp", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip

    def start(self) -> str:
        self.port = _free_port()
        sockets = self.data.parent
        options = (
            f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1"
            f" -c max_connections=300 {self.settings}"
        )
        log = self.data.parent / "postgresql.log"
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-o", options, "-l", log, "-w", "start")
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("PostgreSQL did not start") from None
                time.sleep(0.05)
        self.url = f"postgresql://chirp@127.0.0.1:{self.port}/postgres"
        return self.url

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "stop"],
            capture_output=True,
            **self.run_as,  # type: ignore[call-overload]
        )


@contextmanager
def postgresql_server(bindir: Path | None = None) -> Iterator[str]:
    """A fresh cluster in a temporary directory, started on a free port; yields the URL of
    its `postgres` database."""
    workdir = Path(tempfile.mkdtemp(prefix="chirp-pg-"))
    cluster = PostgresCluster(workdir / "data", bindir)
    cluster.init()
    try:
        yield cluster.start()
    finally:
        cluster.stop("immediate")
        shutil.rmtree(workdir, ignore_errors=True)


class SharedServer:
    """One server for the whole test session (started on first use, stopped at exit), with a
    migrated template database: each test's fresh database is a copy of it (fast)."""

    def __init__(self) -> None:
        self._stack: ExitStack | None = None
        self.url = ""
        self._count = 0
        self._template_ready = False

    def start(self) -> str:
        if self._stack is None:
            bindir = require_postgresql()
            stack = ExitStack()
            self.url = stack.enter_context(postgresql_server(bindir))
            self._stack = stack
            atexit.register(stack.close)
        return self.url

    def database_url(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + name

    async def fresh_database(self) -> str:
        """A new, migrated, empty database's URL."""
        import psycopg

        from chirp.storage.postgresql import PostgresStore

        self.start()
        if not self._template_ready:
            async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                await conn.execute("CREATE DATABASE chirp_template")
            store = await PostgresStore.open(self.database_url("chirp_template"))
            await store.close()
            self._template_ready = True
        self._count += 1
        name = f"chirp_test_{os.getpid()}_{self._count}"
        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            await conn.execute(f"CREATE DATABASE {name} TEMPLATE chirp_template")
        return self.database_url(name)

    def fresh_database_now(self) -> str:
        """`fresh_database` from synchronous code (even with an event loop running)."""
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, self.fresh_database()).result()

    async def drop_database(self, url: str) -> None:
        import psycopg

        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            await conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


SHARED = SharedServer()
