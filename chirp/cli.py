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
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "serve":
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
