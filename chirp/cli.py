"""The `chirp` command: `chirp serve` and friends."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from chirp import __version__
from chirp.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chirp", description="Chirp: a realtime microblogging server"
    )
    parser.add_argument("--version", action="version", version=f"chirp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", help="interface to bind (CHIRP_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (CHIRP_PORT, default 8080)")
    serve.add_argument("--data-dir", help="embedded data directory (CHIRP_DATA_DIR)")
    serve.add_argument(
        "--workers",
        type=int,
        help="processes sharing the port (CHIRP_WORKERS, default 1; more needs CHIRP_BUS=redis://)",
    )
    db = commands.add_parser(
        "db", help="prepare the store, or copy it into another"
    ).add_subparsers(dest="db_command", required=True)
    init = db.add_parser(
        "init",
        help="create the store's schema: SQLite or PostgreSQL migrations, or MongoDB collections"
        " and indexes"
        " (idempotent)",
    )
    init.add_argument("--store", help="store URL (default CHIRP_STORE)")
    init.add_argument(
        "--shard",
        action="store_true",
        help="MongoDB: also enable sharding and shard the large collections (needs a mongos)",
    )
    copy = db.add_parser(
        "copy",
        help="copy a SQLite or PostgreSQL store into an empty SQLite, PostgreSQL or MongoDB store",
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        help="sqlite:///path/to/chirp.db or postgresql://...",
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        help="sqlite:///..., postgresql://... or mongodb://... (a replica set)",
    )
    from chirp.operator_commands import add_parsers

    add_parsers(commands)
    from chirp import admin_commands

    admin_commands.add_parsers(commands)
    return parser


def _db(args: argparse.Namespace) -> None:
    import asyncio

    from pymongo.errors import PyMongoError, ServerSelectionTimeoutError

    from chirp.storage.admin import AdminError, copy_store, init_store

    settings = Settings()
    try:
        if args.db_command == "init":
            url = args.store or settings.store_url
            asyncio.run(init_store(url, settings, sys.stdout, shard=args.shard))
        else:
            report = asyncio.run(copy_store(args.source, args.target, settings, sys.stdout))
            if not report.ok:
                sys.exit("chirp: the copy does not match its source (see above)")
    except AdminError as error:
        sys.exit(f"chirp: {error}")
    except ServerSelectionTimeoutError as error:  # the driver's message ends in a topology dump
        sys.exit(f"chirp: cannot reach MongoDB: {str(error).split(' (configured timeouts')[0]}")
    except PyMongoError as error:
        sys.exit(f"chirp: MongoDB refused: {error}")


def _operator(args: argparse.Namespace) -> None:
    """`chirp emoji ...`, `chirp announcement ...` (see `chirp.operator_commands`) and
    `chirp admin ...` (`chirp.admin_commands`)."""
    import asyncio

    from chirp.operator_commands import OperatorError, run

    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    try:
        if args.command == "admin":
            from chirp import admin_commands

            asyncio.run(admin_commands.run(args, settings, sys.stdout))
        else:
            asyncio.run(run(args, settings, sys.stdout))
    except OperatorError as error:
        sys.exit(f"chirp: {error}")


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "db":
        _db(args)
    elif args.command in ("emoji", "announcement", "admin"):
        _operator(args)
    elif args.command == "serve":
        from chirp.server.run import ConfigError, serve

        overrides = {
            name: value
            for name, value in (
                ("host", args.host),
                ("port", args.port),
                ("data_dir", args.data_dir),
                ("workers", args.workers),
            )
            if value is not None
        }
        try:
            serve(Settings(**overrides))
        except ConfigError as error:
            sys.exit(f"chirp: {error}")


if __name__ == "__main__":
    main()
