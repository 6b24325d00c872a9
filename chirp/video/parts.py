"""The relay's side of Low-Latency HLS: one `PartWriter` per rung and publisher run reads
ffmpeg's fragmented MP4 from a pipe, stores each fragment as a partial segment (and each
finished parent segment whole) in the blob store, and hands the updated `Rendition` to the
`PartSink` (the origin, which serves it here and tells the other nodes through the bus).

Every part is stored before any playlist lists it, as regular segments are.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from chirp.core.ports.blobs import BlobStore
from chirp.video import llhls
from chirp.video.llhls import LLSegment, Part, Rendition

log = logging.getLogger(__name__)

READ_CHUNK = 1 << 16


class PartSink(Protocol):
    async def publish(self, rendition: Rendition, fresh: dict[str, bytes]) -> None:
        """A rendition changed; `fresh`: the bytes of objects it now lists for the first time
        (by URI), already in the blob store."""


def next_version(rendition: Rendition) -> int:
    """Versions order a rendition's states across nodes: the clock, never going back."""
    return max(rendition.version + 1, time.time_ns())


class PartWriter:
    def __init__(
        self,
        blobs: BlobStore,
        rendition: Rendition,
        run: int,
        *,
        fragment_seconds: float,
        window: int,
        cache_control: str,
        sink: PartSink,
    ) -> None:
        self.blobs, self.rendition, self.run = blobs, rendition, run
        self.fragment_seconds, self.window = fragment_seconds, window
        self.cache_control, self.sink = cache_control, sink
        self._init: llhls.InitInfo | None = None
        self._open: LLSegment | None = None  # this run's segment being written
        self._open_bytes: list[bytes] = []
        self._started = False

    def _key(self, name: str) -> str:
        return f"{self.rendition.prefix}/{self.rendition.rung}/{name}"

    async def consume(self, reader: asyncio.StreamReader) -> None:
        """Until ffmpeg closes the pipe. A failure stops the parts of this run (logged) but the
        pipe is still drained, so ffmpeg and regular HLS go on."""
        boxes = llhls.BoxReader()
        header = b""
        failed = False
        while chunk := await reader.read(READ_CHUNK):
            if failed:
                continue
            try:
                for kind, box in boxes.feed(chunk):
                    if self._init is None:
                        header += box
                        if kind == "moov":
                            self._init = llhls.read_init(header)
                            await self._put(llhls.init_uri(self.run), header, llhls.INIT_TYPE)
                            header = b""
                    elif kind == "mdat":
                        await self._fragment(header + box)
                        header = b""
                    else:  # moof (and any box ffmpeg puts before it)
                        header += box
            except Exception:
                failed = True
                log.exception(
                    "low-latency parts stopped for this run",
                    extra={"stream_id": self.rendition.stream_id, "rung": self.rendition.rung},
                )
        if not failed:
            await self.close_segment()

    async def _put(self, name: str, data: bytes, content_type: str) -> None:
        await self.blobs.put(
            self._key(name), data, content_type=content_type, cache_control=self.cache_control
        )

    async def _fragment(self, data: bytes) -> None:
        assert self._init is not None
        fragment = llhls.read_fragment(data, self._init)
        rendition = self.rendition
        if not rendition.part_target:
            rendition.part_target = llhls.part_target_for(self.fragment_seconds, fragment.frame)
        fresh: dict[str, bytes] = {}
        if self._open is not None and fragment.independent and self._open.parts:
            fresh.update(await self._finish_open())
        if self._open is None:
            last = rendition.segments[-1] if rendition.segments else None
            msn = last.msn + 1 if last else 0
            self._open = LLSegment(
                msn=msn,
                uri=llhls.segment_uri(self.run, msn),
                map_uri=llhls.init_uri(self.run),
                discontinuity=last is not None and not self._started,
            )
            self._started = True
            rendition.segments.append(self._open)
        part = Part(
            llhls.part_uri(self.run, self._open.msn, len(self._open.parts)),
            fragment.duration,
            fragment.independent,
        )
        await self._put(part.uri, data, llhls.PART_TYPE)
        self._open.parts.append(part)
        self._open_bytes.append(data)
        fresh[part.uri] = data
        self._trim()
        rendition.version = next_version(rendition)
        await self.sink.publish(rendition, fresh)

    async def _finish_open(self) -> dict[str, bytes]:
        """Store the open segment whole and mark it complete (not yet published)."""
        segment = self._open
        assert segment is not None
        whole = b"".join(self._open_bytes)
        await self._put(segment.uri, whole, llhls.PART_TYPE)
        segment.complete = True
        self.rendition.longest = max(self.rendition.longest, segment.duration)
        self._open, self._open_bytes = None, []
        return {segment.uri: whole}

    async def close_segment(self) -> None:
        """The run ended: its last segment is complete as it is."""
        if self._open is None:
            return
        if not self._open.parts:
            self.rendition.segments.remove(self._open)
            self._open = None
            return
        fresh = await self._finish_open()
        self.rendition.version = next_version(self.rendition)
        await self.sink.publish(self.rendition, fresh)

    def _trim(self) -> None:
        segments = self.rendition.segments
        complete = [s for s in segments if s.complete]
        while len(complete) > self.window:
            gone = complete.pop(0)
            segments.remove(gone)
            self.rendition.discontinuity_sequence += gone.discontinuity
