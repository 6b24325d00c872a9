"""A minimal RTMP ingest server (asyncio): what OBS, ffmpeg and hardware encoders need to publish.

One connection is one publisher: handshake, chunk stream, `connect` / `createStream` / `publish`,
then audio and video messages, which become FLV tags for the transcoder. The stream key is checked
(`LiveHooks.authorize`, through the relay) when `publish` arrives, before any transcoding starts;
a wrong key gets `NetStream.Publish.BadName` and the connection is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chirp.video import amf, flv

if TYPE_CHECKING:
    from chirp.video.relay import Relay, Session

log = logging.getLogger(__name__)

HANDSHAKE_SIZE = 1536
OUR_CHUNK_SIZE = 4096
WINDOW = 2_500_000
MAX_MESSAGE = 16 * 1024 * 1024  # a keyframe of a 4K stream fits; anything larger is hostile
IDLE_TIMEOUT = 30.0

SET_CHUNK_SIZE, ABORT, ACK, USER_CONTROL, WINDOW_ACK_SIZE, PEER_BANDWIDTH = 1, 2, 3, 4, 5, 6
AUDIO, VIDEO, DATA_AMF3, COMMAND_AMF3, DATA_AMF0, COMMAND_AMF0 = 8, 9, 15, 17, 18, 20


class RtmpError(Exception):
    """The peer broke the protocol; the connection is dropped."""


@dataclass(slots=True)
class _ChunkStream:
    timestamp: int = 0
    delta: int = 0
    length: int = 0
    type_id: int = 0
    stream_id: int = 0
    extended: bool = False
    body: bytearray = field(default_factory=bytearray)


class RtmpConnection:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, relay: Relay
    ) -> None:
        self.reader, self.writer, self.relay = reader, writer, relay
        self.chunk_size = 128
        self.streams: dict[int, _ChunkStream] = {}
        self.received = 0
        self.acked = 0
        self.peer_window = 0
        self.app = ""
        self.session: Session | None = None
        self.metadata: dict[str, Any] = {}
        self.started = False

    async def _read(self, n: int) -> bytes:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for drops a cancellation that
        # lands as the read completes, and with a publisher still sending the connection would
        # then read on through the server's shutdown forever.
        async with asyncio.timeout(IDLE_TIMEOUT):
            data = await self.reader.readexactly(n)
        self.received += n
        return data

    async def run(self) -> None:
        peer = self.writer.get_extra_info("peername")
        try:
            await self._handshake()
            while True:
                type_id, _stream_id, timestamp, body = await self._read_message()
                if not await self._on_message(type_id, timestamp, body):
                    break
                if self.peer_window and self.received - self.acked >= self.peer_window:
                    self.acked = self.received
                    self._send(2, ACK, 0, 0, struct.pack(">I", self.received & 0xFFFFFFFF))
                    await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            pass
        except (RtmpError, amf.AmfError) as exc:
            log.warning("rtmp protocol error", extra={"peer": str(peer), "error": str(exc)})
        finally:
            if self.session is not None:
                await self.session.close()
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()

    async def _handshake(self) -> None:
        c0c1 = await self._read(1 + HANDSHAKE_SIZE)
        if c0c1[0] != 3:
            raise RtmpError(f"unsupported RTMP version {c0c1[0]}")
        # S1 with a zero version field: clients then skip digest validation (simple handshake).
        s1 = b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00" + os.urandom(HANDSHAKE_SIZE - 8)
        self.writer.write(b"\x03" + s1 + c0c1[1:])
        await self.writer.drain()
        await self._read(HANDSHAKE_SIZE)

    async def _read_message(self) -> tuple[int, int, int, bytes]:
        while True:
            first = (await self._read(1))[0]
            fmt, csid = first >> 6, first & 0x3F
            if csid == 0:
                csid = 64 + (await self._read(1))[0]
            elif csid == 1:
                b = await self._read(2)
                csid = 64 + b[0] + b[1] * 256
            cs = self.streams.setdefault(csid, _ChunkStream())
            starting = not cs.body
            if fmt <= 2:
                head = await self._read((11, 7, 3)[fmt])
                ts = int.from_bytes(head[0:3], "big")
                if fmt <= 1:
                    cs.length = int.from_bytes(head[3:6], "big")
                    cs.type_id = head[6]
                if fmt == 0:
                    cs.stream_id = int.from_bytes(head[7:11], "little")
                cs.extended = ts == 0xFFFFFF
                if cs.extended:
                    ts = int.from_bytes(await self._read(4), "big")
                if fmt == 0:
                    cs.timestamp, cs.delta = ts, 0
                else:
                    cs.delta = ts
                    cs.timestamp += ts
            else:
                if cs.extended:
                    await self._read(4)
                if starting:
                    cs.timestamp += cs.delta
            if cs.length > MAX_MESSAGE:
                raise RtmpError(f"message of {cs.length} bytes")
            want = min(self.chunk_size, cs.length - len(cs.body))
            cs.body += await self._read(want)
            if len(cs.body) >= cs.length:
                body = bytes(cs.body)
                cs.body.clear()
                return cs.type_id, cs.stream_id, cs.timestamp, body

    def _send(self, csid: int, type_id: int, stream_id: int, timestamp: int, body: bytes) -> None:
        header = bytes([csid]) + min(timestamp, 0xFFFFFF).to_bytes(3, "big")
        header += len(body).to_bytes(3, "big") + bytes([type_id]) + struct.pack("<I", stream_id)
        out = [header]
        for start in range(0, len(body), OUR_CHUNK_SIZE):
            if start:
                out.append(bytes([0xC0 | csid]))
            out.append(body[start : start + OUR_CHUNK_SIZE])
        self.writer.write(b"".join(out))

    def _command(self, stream_id: int, *values: Any) -> None:
        self._send(3 if stream_id == 0 else 5, COMMAND_AMF0, stream_id, 0, amf.encode(*values))

    async def _on_message(self, type_id: int, timestamp: int, body: bytes) -> bool:
        """Handle one message; False ends the connection."""
        if type_id == SET_CHUNK_SIZE:
            size = struct.unpack(">I", body[:4])[0] & 0x7FFFFFFF
            if not 1 <= size <= MAX_MESSAGE:
                raise RtmpError(f"chunk size {size}")
            self.chunk_size = size
        elif type_id == WINDOW_ACK_SIZE:
            self.peer_window = struct.unpack(">I", body[:4])[0]
        elif type_id in (AUDIO, VIDEO):
            if self.session is None:
                raise RtmpError("media before publish")
            if not body:
                return True
            if not self.started:
                await self._start()
            kind = flv.AUDIO if type_id == AUDIO else flv.VIDEO
            await self.session.write(flv.tag(kind, timestamp, body))
        elif type_id in (DATA_AMF0, DATA_AMF3):
            self._on_data(body[1:] if type_id == DATA_AMF3 else body)
        elif type_id in (COMMAND_AMF0, COMMAND_AMF3):
            return await self._on_command(body[1:] if type_id == COMMAND_AMF3 else body)
        return True

    def _on_data(self, body: bytes) -> None:
        values = amf.decode_all(body)
        if values and values[0] == "@setDataFrame":
            values = values[1:]
        if len(values) >= 2 and values[0] == "onMetaData" and isinstance(values[1], dict):
            self.metadata = values[1]

    async def _start(self) -> None:
        assert self.session is not None
        width = _int(self.metadata.get("width"))
        height = _int(self.metadata.get("height"))
        codec = self.metadata.get("videocodecid")
        h264 = codec in (7, 7.0, "avc1")  # FLV's AVC codec id, or its FourCC from some encoders
        kbps = _int(self.metadata.get("videodatarate")) if h264 else None
        await self.session.start(
            input_format="flv", source_width=width, source_height=height, passthrough_kbps=kbps
        )
        await self.session.write(flv.HEADER)
        if self.metadata:
            meta = amf.encode("onMetaData") + _ecma(self.metadata)
            await self.session.write(flv.tag(flv.SCRIPT, 0, meta))
        self.started = True

    async def _on_command(self, body: bytes) -> bool:
        values = amf.decode_all(body)
        if len(values) < 2 or not isinstance(values[0], str):
            raise RtmpError("malformed command")
        name, txid = values[0], values[1] if isinstance(values[1], float | int) else 0
        if name == "connect":
            obj = values[2] if len(values) > 2 and isinstance(values[2], dict) else {}
            self.app = str(obj.get("app", "")).strip("/")
            self._send(2, WINDOW_ACK_SIZE, 0, 0, struct.pack(">I", WINDOW))
            self._send(2, PEER_BANDWIDTH, 0, 0, struct.pack(">IB", WINDOW, 2))
            self._send(2, SET_CHUNK_SIZE, 0, 0, struct.pack(">I", OUR_CHUNK_SIZE))
            if self.app != "live":
                self._command(
                    0,
                    "_error",
                    txid,
                    None,
                    _status(
                        "error",
                        "NetConnection.Connect.Rejected",
                        "use rtmp://host/live/<stream key>",
                    ),
                )
                await self.writer.drain()
                return False
            self._command(
                0,
                "_result",
                txid,
                {"fmsVer": "FMS/3,0,1,123", "capabilities": 31},
                {
                    **_status("status", "NetConnection.Connect.Success", "Connected."),
                    "objectEncoding": 0,
                },
            )
        elif name == "createStream":
            self._command(0, "_result", txid, None, 1)
        elif name in ("releaseStream", "FCPublish"):
            self._command(0, "_result", txid, None, None)
        elif name == "publish":
            if self.session is not None:
                raise RtmpError("publish twice on one connection")
            key = str(values[3]) if len(values) > 3 else ""
            key = key.split("?", 1)[0]
            self.session, reason = await self.relay.open_session(key)
            if self.session is None:
                self._command(
                    1, "onStatus", 0, None, _status("error", "NetStream.Publish.BadName", reason)
                )
                await self.writer.drain()
                return False
            self.session.kick = self.writer.close
            self._command(
                1, "onStatus", 0, None, _status("status", "NetStream.Publish.Start", "Publishing.")
            )
        elif name in ("deleteStream", "FCUnpublish", "closeStream"):
            return self.session is None
        await self.writer.drain()
        return True


def _status(level: str, code: str, description: str) -> dict[str, Any]:
    return {"level": level, "code": code, "description": description}


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and value > 0 else None


def _ecma(obj: dict[str, Any]) -> bytes:
    plain = {k: v for k, v in obj.items() if isinstance(v, bool | int | float | str)}
    return b"\x08" + struct.pack(">I", len(plain)) + amf.encode(plain)[1:]


class RtmpServer:
    """Listens for publishers; each connection is served by its own task."""

    def __init__(self, relay: Relay, host: str, port: int, *, reuse_port: bool = False) -> None:
        self.relay, self.host, self.port = relay, host, port
        # `chirp serve --workers N`: every worker listens; a publisher stays with the one it hit.
        self.reuse_port = reuse_port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, reuse_port=self.reuse_port or None
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("rtmp ingest listening", extra={"host": self.host, "port": self.port})

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await RtmpConnection(reader, writer, self.relay).run()
        finally:
            self._tasks.discard(task)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()
