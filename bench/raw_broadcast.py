"""The ceiling for bench/realtime.py: the least a Python websocket fan-out server can do.

Accepts any number of websocket connections (any path, no auth) and, for every line received
on a plain TCP control socket, sends that line (without its newline) as one text frame to every
connection with `websockets.broadcast`: the bytes are built once and written to each socket,
no queues, no per-connection bookkeeping besides a set. Same event loop as chirp (uvloop).

    python -m bench.raw_broadcast --port 9001 --control-port 9002

Prints `ready` on stdout once both sockets listen.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import signal

from websockets.asyncio.server import ServerConnection, broadcast, serve

CONNECTIONS: set[ServerConnection] = set()


async def _client(connection: ServerConnection) -> None:
    CONNECTIONS.add(connection)
    try:
        await connection.wait_closed()
    finally:
        CONNECTIONS.discard(connection)


async def _control(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Each line is a frame to broadcast; answers each with the number of recipients."""
    try:
        while line := await reader.readline():
            frame = line.rstrip(b"\n").decode()
            broadcast(CONNECTIONS, frame)
            writer.write(b"%d\n" % len(CONNECTIONS))
    finally:
        writer.close()


async def _main(host: str, port: int, control_port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with serve(
        _client,
        host,
        port,
        compression=None,  # chirp's websockets are uncompressed too
        ping_interval=None,
        max_queue=None,
        backlog=4096,
    ):
        control = await asyncio.start_server(_control, host, control_port)
        async with control:
            print("ready", flush=True)
            await stop.wait()
            for connection in list(CONNECTIONS):
                with contextlib.suppress(Exception):
                    connection.transport.abort()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    runner(_main(args.host, args.port, args.control_port))


if __name__ == "__main__":
    main()
