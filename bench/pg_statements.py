"""Statements and round trips per request on the PostgreSQL store, counted in process:

    .venv/bin/python -m bench.pg_statements            # home page 1, a post and its fan-out
    .venv/bin/python -m bench.pg_statements --verbose  # every statement, with its caller

The seeded store of `bench.rest` (2,000 accounts, 40,000 tweets, an author with 1,000
followers: the PostgreSQL copy `bench.rest --store postgresql` caches) on a PostgreSQL server of
its own; an in-process app serves a home-timeline read and a post as `bench.rest` does (a reader
token each time, the author posting), and every statement psycopg sends is counted with the core
function that asked for it. `BEGIN`/`COMMIT` are round trips of their own and are counted apart.
Each request runs once to warm the process's caches, then `--repeat` times measured.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench import rest  # noqa: E402
from chirp.server import create_app  # noqa: E402
from chirp.server.keys import DISPATCHER  # noqa: E402
from chirp.storage.postgresql import db as pg_db  # noqa: E402
from tests.helpers import make_settings  # noqa: E402


class Tally:
    """Statements (with their callers) and transaction round trips, since the last `take`."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, str]] = []
        self.transactions = 0
        self.cpu_s = 0.0

    def take(self) -> tuple[list[tuple[str, str]], int]:
        taken = self.statements, self.transactions
        self.statements, self.transactions = [], 0
        return taken


def _caller() -> str:
    """The innermost frame outside the storage package and this file: who asked."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/chirp/" in name and "/storage/" not in name and "/observability/" not in name:
            return f"{name.split('/chirp/', 1)[1]}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


def _install(tally: Tally) -> None:
    run = pg_db.run

    async def counted(conn: Any, statement: Any, params: Any) -> Any:
        tally.statements.append((statement.sql, _caller()))
        return await run(conn, statement, params)

    pg_db.run = counted  # type: ignore[assignment]
    transaction = pg_db.psycopg.AsyncConnection.transaction

    def counted_transaction(self: Any, *args: Any, **kwargs: Any) -> Any:
        tally.transactions += 1
        return transaction(self, *args, **kwargs)

    pg_db.psycopg.AsyncConnection.transaction = counted_transaction  # type: ignore[method-assign]


def _report(
    title: str, taken: tuple[list[tuple[str, str]], int], times: int, verbose: bool
) -> dict:
    statements, transactions = taken
    per_caller = collections.Counter(caller for _, caller in statements)
    print(
        f"\n{title}: {len(statements) / times:.1f} statements and {transactions / times:.1f}"
        f" transactions (each BEGIN + COMMIT: 2 more round trips) per request"
    )
    for caller, count in per_caller.most_common():
        print(f"  {count / times:5.1f}  {caller}")
    if verbose:
        for sql, caller in statements[: len(statements) // times]:
            print(f"    [{caller}] {sql[:160]}")
    return {
        "statements": len(statements) / times,
        "transactions": transactions / times,
        "callers": {c: n / times for c, n in per_caller.items()},
    }


async def measure(
    url: str, seeded: Path, repeat: int, verbose: bool, profile: bool = False
) -> dict:
    tally = Tally()
    _install(tally)
    tokens = json.loads((seeded / "tokens.json").read_text())
    readers = [r["token"] for r in tokens["readers"]]
    author = {"Authorization": f"Bearer {tokens['author']['token']}"}
    data = Path(tempfile.mkdtemp(prefix="chirp-pg-statements-"))
    app = create_app(
        make_settings(store=url, data_dir=str(data), public_url=rest.PUBLIC_URL, link_cards=False)
    )
    results = {}
    async with TestClient(TestServer(app)) as client:
        await app[DISPATCHER].drain()

        async def home(n: int) -> None:
            headers = {"Authorization": f"Bearer {readers[n % len(readers)]}"}
            response = await client.get("/api/v1/timelines/home?limit=20", headers=headers)
            assert response.status == 200, await response.text()

        async def post(n: int) -> None:
            response = await client.post(
                "/api/v1/statuses",
                data={"status": f"counting statements {n} #python #bench", "visibility": "public"},
                headers=author,
            )
            assert response.status == 200, await response.text()

        for n in range(repeat):  # warm: each reader's page once
            await home(n)
        tally.take()
        started = time.process_time()
        profiler = cProfile.Profile(time.process_time) if profile else None
        if profiler:
            profiler.enable()
        for n in range(repeat):
            await home(n)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(45)
        cpu_home = (time.process_time() - started) / repeat
        results["home_timeline"] = _report("home timeline page 1", tally.take(), repeat, verbose)
        results["home_timeline"]["cpu_ms"] = 1000 * cpu_home
        await post(-1)
        await app[DISPATCHER].drain()
        tally.take()
        started = time.process_time()
        for n in range(repeat):
            await post(n)
        results["post_request"] = _report("post (the request)", tally.take(), repeat, verbose)
        await app[DISPATCHER].drain()
        results["post_side_effects"] = _report(
            "post (its side effects: fan-out to 1,000 feeds, trims, pushes)",
            tally.take(),
            repeat,
            verbose,
        )
        results["post_cpu_ms"] = 1000 * (time.process_time() - started) / repeat
    print(
        f"\nchirp CPU in process: home {results['home_timeline']['cpu_ms']:.2f} ms,"
        f" post with side effects {results['post_cpu_ms']:.2f} ms"
    )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the home reads")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "pg_statements.json")
    args = parser.parse_args(argv)
    seeded = rest._seeded(
        argparse.Namespace(
            accounts=2_000, tweets=40_000, author_followers=1_000, readers=1_000, reseed=False
        )
    )
    postgresql = rest.PostgresStore(seeded, Path(tempfile.mkdtemp()))
    try:
        results = asyncio.run(
            measure(postgresql.url, seeded, args.repeat, args.verbose, args.profile)
        )
    finally:
        postgresql.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
