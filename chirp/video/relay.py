"""The relay: publishers in, HLS out through the blob store.

A `Broadcast` outlives its publisher connections: when a publisher drops, the stream waits
`grace_seconds` for it to come back; a reconnect continues the same playlists (a new ffmpeg run,
marked `EXT-X-DISCONTINUITY`), otherwise the full VOD playlist with `EXT-X-ENDLIST` is written
and the domain hears `ended`. Every segment is uploaded before the playlist that lists it.

Blob layout: `live/<stream>/master.m3u8`, `live/<stream>/<rung>/index.m3u8` (sliding live window,
then the whole stream), segments `live/<stream>/<rung>/r<run>-<n>.ts`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chirp.core.ports.blobs import IMMUTABLE, BlobStore
from chirp.core.ports.video import AccountLiveHooks, LiveHooks, PublishGrant
from chirp.video import hls, llhls
from chirp.video.health import HEALTH_SECONDS, Health
from chirp.video.ladder import (
    CODECS,
    DEFAULT_LADDER,
    Plan,
    Rung,
    RungSpec,
    available_cores,
    plan_ladder,
)
from chirp.video.parts import PartSink, PartWriter
from chirp.video.previews import Previews
from chirp.video.transcoder import (
    FFMPEG_PLAYLIST,
    Transcoder,
    probe_codecs,
    probe_frame_rate,
)

log = logging.getLogger(__name__)

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
LIVE_PLAYLIST_CACHE = "public, max-age=1"
# The master changes rarely during a stream (measured bit rates); the ended VOD playlists,
# master included, never change again.
MASTER_CACHE = "public, max-age=5"
ENDED_MAX_AGE = "max-age=86400"
LIVE_PREVIEW_CACHE = "public, max-age=10"
ENDED_PLAYLIST_CACHE = f"public, {ENDED_MAX_AGE}"
MIN_WRITE_INTERVAL = 1.0  # GCS allows one write per second per object
POLL_INTERVAL = 0.1
# A live master advertises a rung's measured bit rates once it has this many segments (the
# ladder's estimates before), and is rewritten when they move by more than MASTER_DRIFT.
MEASURED_AFTER_SEGMENTS = 3
MASTER_DRIFT = 0.10


@dataclass(frozen=True, slots=True)
class RelayConfig:
    segment_seconds: float = 2.0
    grace_seconds: float = 10.0
    window_segments: int = 6
    cores: int = field(default_factory=available_cores)
    ladder: tuple[RungSpec, ...] = DEFAULT_LADDER
    passthrough: bool = True  # copy a source that fits the top rung instead of encoding it
    # Where a followers-only stream's objects go, by stream id: a folder nobody can guess, so
    # even a public bucket does not give them away. None: `live/<id>` like public streams.
    private_prefix: Callable[[int], str] | None = None
    # Low-Latency HLS: the partial segment length ffmpeg fragments at (0: regular HLS only).
    part_seconds: float = 0.0
    preview_seconds: float = 30.0  # how often the poster and animated preview are redone

    @property
    def low_latency_window(self) -> int:
        """Complete segments a low-latency playlist keeps: enough that delta updates skip
        some (CAN-SKIP-UNTIL is six target durations)."""
        return max(self.window_segments, 2 * llhls.SKIP_TARGETS)


def stream_prefix(stream_id: int) -> str:
    return f"live/{stream_id}"


async def replay_pending(blobs: BlobStore, prefix: str) -> bool:
    """True while the stream stored under `prefix` has video but lacks its complete replay: its
    master is still the live one (the VOD master is the relay's last write when a stream ends,
    after every media playlist got EXT-X-ENDLIST). False once the replay is there, or when no
    video was written."""
    info = await blobs.stat(f"{prefix}/master.m3u8")
    return info is not None and not info.cache_control.endswith(ENDED_MAX_AGE)


class RelayParts(PartSink, Protocol):
    """The origin as the relay uses it."""

    def forget(self, stream_id: int) -> None:
        """The stream ended here; its last state was published."""


class _ThrottledWriter:
    """Writes an object no more than once per MIN_WRITE_INTERVAL (later writes wait their turn)."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self._last: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def write(self, key: str, text: str, cache_control: str) -> None:
        async with self._locks.setdefault(key, asyncio.Lock()):
            wait = self._last.get(key, 0.0) + MIN_WRITE_INTERVAL - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await self.blobs.put(
                key, text.encode(), content_type=PLAYLIST_TYPE, cache_control=cache_control
            )
            self._last[key] = time.monotonic()


class Broadcast:
    """The relay's working state for one live stream while it is published (playlists written
    so far, the current ffmpeg run, the reconnect grace timer); the stream itself, its owner
    and its state are the domain's `chirp.core.models.LiveStream`."""

    def __init__(self, relay: Relay, grant: PublishGrant) -> None:
        self.relay, self.grant = relay, grant
        self.id = grant.stream_id
        hidden = relay.config.private_prefix if grant.private else None
        self.prefix = hidden(self.id) if hidden else stream_prefix(self.id)
        self.plan: Plan | None = None
        self.segments: dict[str, list[hls.Segment]] = {}
        self.runs = 0
        self.session: Session | None = None
        self.went_live = False
        self.frame_rate: float | None = None
        self.codecs: dict[str, str] = {}  # of passthrough rungs, probed
        self.renditions: dict[str, llhls.Rendition] = {}  # low-latency playlists, by rung
        # Poster and animated preview (the cache of a live playlist: they are replaced).
        self.previews = Previews(
            relay.blobs, self.prefix, self.cache(LIVE_PREVIEW_CACHE), relay.config.preview_seconds
        )
        self._advertised: dict[str, hls.Bitrates] = {}  # in the master as last written
        # Held while a session publishes: a reconnected run waits for the last one's final
        # segments, so runs never interleave in the playlists.
        self.publishing = asyncio.Lock()
        self.finished = False
        self.ending = False
        self._grace: asyncio.Task[None] | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix=f"chirp-live-{self.id}-"))
        # Observers (tests, the benchmark): called with (rung, segment) once it is listed.
        self.on_listed: list[Callable[[Rung, hls.Segment], None]] = []

    def cache(self, policy: str) -> str:
        """A followers-only stream's objects are `private`: no shared cache keeps them, and the
        media route serves them only through signed links (`chirp.core.media.serve_blob`)."""
        return policy.replace("public", "private", 1) if self.grant.private else policy

    def rendition(self, rung: Rung) -> llhls.Rendition:
        found = self.renditions.get(rung.name)
        if found is None:
            found = self.renditions[rung.name] = llhls.Rendition(
                stream_id=self.id,
                rung=rung.name,
                prefix=self.prefix,
                private=self.grant.private,
                configured_target=self.relay.config.segment_seconds,
            )
        return found

    def preview_rung(self) -> Rung:
        """The second rung (480p in the default ladder): enough for a 640-pixel poster, cheaper
        to decode than the top one."""
        assert self.plan is not None
        return self.plan.rungs[min(1, len(self.plan.rungs) - 1)]

    def rung_key(self, rung: Rung, name: str) -> str:
        return f"{self.prefix}/{rung.name}/{name}"

    async def publish_segment(self, rung: Rung, path: Path, duration: float, run: int) -> None:
        """Upload one finished segment, then list it in the rung's live playlist."""
        assert self.plan is not None
        listed = self.segments.setdefault(rung.name, [])
        discontinuity = bool(listed) and not listed[-1].uri.startswith(f"r{run:03d}-")
        size = (await asyncio.to_thread(path.stat)).st_size
        if self.frame_rate is None and rung == self.plan.rungs[0]:
            self.frame_rate = await probe_frame_rate(path)
        if rung.passthrough and rung.name not in self.codecs:
            self.codecs[rung.name] = await probe_codecs(path) or CODECS
            if abs(duration - self.relay.config.segment_seconds) > 0.1 and not listed:
                log.warning(
                    "passthrough segments do not follow the segment duration: the encoder's"
                    " keyframe interval should be the segment duration",
                    extra={"stream_id": self.id, "duration": duration},
                )
        await self.relay.blobs.put_file(
            self.rung_key(rung, path.name),
            path,
            content_type=SEGMENT_TYPE,
            cache_control=self.cache(IMMUTABLE),
        )
        if rung == self.preview_rung() and self.previews.due():
            if self.went_live:
                self.previews.update_later(path)
            else:  # the first: stream lists show it as soon as the stream is live
                await self.previews.update(path)
        await asyncio.to_thread(path.unlink, True)
        segment = hls.Segment(path.name, duration, discontinuity, size)
        listed.append(segment)
        if self.session is not None and self.session.health is not None:
            self.session.health.segment(rung.name, duration, size)
        await self._write_playlist(rung, ended=False)
        for observer in self.on_listed:
            observer(rung, segment)
        if self.went_live:
            await self._correct_master()
        elif all(self.segments.get(r.name) for r in self.plan.rungs):
            self.went_live = True
            # Written only now: every variant it lists has a playlist, and FRAME-RATE is known.
            await self.write_master(ended=False)
            try:
                await self.relay.hooks.went_live(self.id)
            except Exception:
                log.exception("went_live hook failed", extra={"stream_id": self.id})

    async def _write_playlist(self, rung: Rung, *, ended: bool) -> None:
        text = hls.media_playlist(
            self.segments.get(rung.name, []),
            window=None if ended else self.relay.config.window_segments,
            target=self.relay.config.segment_seconds,
            ended=ended,
        )
        cache = ENDED_PLAYLIST_CACHE if ended else LIVE_PLAYLIST_CACHE
        await self.relay.writer.write(self.rung_key(rung, "index.m3u8"), text, self.cache(cache))

    def _measured(self, *, ended: bool) -> dict[str, hls.Bitrates]:
        """Each rung's measured bit rates: all of them once the stream ended, and while live
        only those of rungs with enough segments to measure a peak."""
        assert self.plan is not None
        out = {}
        for rung in self.plan.rungs:
            segments = self.segments.get(rung.name, [])
            if ended or len(segments) >= MEASURED_AFTER_SEGMENTS:
                target = hls.target_duration(segments, self.relay.config.segment_seconds)
                rates = hls.measure(segments, target)
                if rates is not None:
                    out[rung.name] = rates
        return out

    async def _correct_master(self) -> None:
        """Rewrite the live master when a rung's measured bit rates left its advertised ones
        by more than MASTER_DRIFT (players pick renditions by them)."""

        def drifted(name: str, rates: hls.Bitrates) -> bool:
            shown = self._advertised.get(name)
            return shown is None or any(
                abs(now - was) > MASTER_DRIFT * was
                for now, was in ((rates.peak, shown.peak), (rates.average, shown.average))
            )

        if any(drifted(name, rates) for name, rates in self._measured(ended=False).items()):
            await self.write_master(ended=False)

    async def write_master(self, *, ended: bool) -> None:
        """The master with the best bit rates known: measured where there are enough
        segments, estimated otherwise; exact (every segment measured) once `ended`."""
        assert self.plan is not None
        measured = self._measured(ended=ended)
        self._advertised = {
            r.name: measured.get(r.name) or hls.Bitrates(r.average_bandwidth, r.bandwidth)
            for r in self.plan.rungs
        }
        text = hls.master_playlist(self.plan.rungs, measured, self.frame_rate, self.codecs)
        cache = ENDED_PLAYLIST_CACHE if ended else MASTER_CACHE
        await self.relay.writer.write(f"{self.prefix}/master.m3u8", text, self.cache(cache))

    def publisher_left(self) -> None:
        """After the leaving publisher's last segments are out; a successor may be on already."""
        if self.session is not None or self.finished:
            return
        if self.ending:
            self._grace = asyncio.create_task(self.finish())
        else:
            self._grace = asyncio.create_task(self._wait_then_finish())

    async def _wait_then_finish(self) -> None:
        await asyncio.sleep(self.relay.config.grace_seconds)
        await self.finish()

    def resume(self) -> bool:
        """A publisher came back within the grace period."""
        if self.finished or self.ending or self.session is not None:
            return False
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None
        return True

    async def finish(self) -> None:
        """The stream is over: the whole-stream playlists with EXT-X-ENDLIST, then `ended`."""
        if self.finished:
            return
        self.finished = True
        self.relay.streams.pop(self.id, None)
        try:
            if self.plan is not None:
                for rung in self.plan.rungs:
                    if self.segments.get(rung.name):
                        await self._write_playlist(rung, ended=True)
                if self.went_live:  # the VOD master: bit rates measured over every segment
                    await self.write_master(ended=True)
            parts = self.relay.parts
            if parts is not None and self.renditions:
                for rendition in self.renditions.values():
                    rendition.ended = True
                    rendition.version += 1
                    await parts.publish(rendition, {})
                parts.forget(self.id)
        finally:
            await self.previews.close()
            await asyncio.to_thread(shutil.rmtree, self.workdir, True)
            try:
                await self.relay.hooks.ended(self.id)
            except Exception:
                log.exception("ended hook failed", extra={"stream_id": self.id})
            log.info("live stream ended", extra={"stream_id": self.id})


class Session:
    """One publisher connection feeding a stream (RTMP or the browser websocket)."""

    def __init__(self, stream: Broadcast, run: int) -> None:
        self.stream, self.run = stream, run
        self.transcoder: Transcoder | None = None
        self._part_tasks: list[asyncio.Task[None]] = []
        self.health: Health | None = None
        self._health_task: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._closed = False
        self.kick: Callable[[], None] = lambda: None  # set by the ingest: drop the publisher

    async def start(
        self,
        *,
        input_format: str,
        source_width: int | None,
        source_height: int | None,
        passthrough_kbps: int | None = None,
    ) -> None:
        """`passthrough_kbps`: the source's video bit rate when it is H.264 that could be
        copied into the top rung as it is (see `plan_ladder`)."""
        stream = self.stream
        if stream.plan is None:
            config = stream.relay.config
            stream.plan = plan_ladder(
                source_width,
                source_height,
                config.cores,
                config.ladder,
                passthrough_kbps if config.passthrough else None,
            )
        plan, top = stream.plan, stream.plan.rungs[0]
        copyable = (source_width, source_height) == (top.width, top.height) and (
            passthrough_kbps is not None and passthrough_kbps <= top.video_kbps
        )
        if top.passthrough and not copyable:
            # A reconnect from a source that no longer fits the copied rung: encode it (same
            # size and bit rate) for this run, so the playlists stay what the master says.
            plan = dataclasses.replace(
                plan, rungs=(dataclasses.replace(top, passthrough=False), *plan.rungs[1:])
            )
        config, parts = stream.relay.config, stream.relay.parts
        low_latency = parts is not None and config.part_seconds > 0
        self.transcoder = Transcoder(
            plan,
            input_format,
            stream.workdir,
            config.segment_seconds,
            self.run,
            part_seconds=config.part_seconds if low_latency else 0.0,
        )
        self.health = Health([(rung.name, rung.passthrough) for rung in plan.rungs])
        self.transcoder.on_progress = self.health.progress
        await self.transcoder.start()
        if stream.relay.on_health is not None:
            self._health_task = asyncio.create_task(self._report_health())
        for rung in plan.rungs:
            reader = self.transcoder.part_readers.get(rung.name)
            if reader is None or parts is None:
                continue
            writer = PartWriter(
                stream.relay.blobs,
                stream.rendition(rung),
                self.run,
                fragment_seconds=config.part_seconds,
                window=config.low_latency_window,
                cache_control=stream.cache(IMMUTABLE),
                sink=parts,
            )
            self._part_tasks.append(
                asyncio.create_task(writer.consume(reader), name=f"chirp-parts-{stream.id}")
            )
        self._watcher = asyncio.create_task(self._watch(), name=f"chirp-live-{stream.id}")

    async def write(self, data: bytes) -> None:
        if self.transcoder is None or self._closed:
            raise ConnectionError("session closed")
        if self.health is not None:
            self.health.ingested(len(data))
        await self.transcoder.write(data)

    async def _report_health(self) -> None:
        """While this publisher is on, its stream's health every HEALTH_SECONDS."""
        report = self.stream.relay.on_health
        assert report is not None and self.health is not None
        while True:
            await asyncio.sleep(HEALTH_SECONDS)
            try:
                await report(self.stream.id, self.health.report())
            except Exception:
                log.exception("stream health report failed", extra={"stream": self.stream.id})

    async def _watch(self) -> None:
        """Follow ffmpeg's own playlists; publish each segment once ffmpeg lists it (finished)."""
        while True:
            async with self.stream.publishing:
                await self._collect()
            await asyncio.sleep(POLL_INTERVAL)

    async def _collect(self) -> None:
        stream = self.stream
        assert stream.plan is not None
        # Rungs side by side: one rung waiting out its playlist's write interval delays no other.
        await asyncio.gather(*(self._collect_rung(rung) for rung in stream.plan.rungs))

    async def _collect_rung(self, rung: Rung) -> None:
        stream = self.stream
        prefix = f"r{self.run:03d}-"
        folder = stream.workdir / rung.name
        try:
            text = await asyncio.to_thread((folder / FFMPEG_PLAYLIST).read_text)
        except FileNotFoundError:
            return
        done = {s.uri for s in stream.segments.get(rung.name, []) if s.uri.startswith(prefix)}
        for name, duration in hls.parse_ffmpeg_playlist(text):
            if name not in done and (folder / name).exists():
                await stream.publish_segment(rung, folder / name, duration, self.run)

    async def stop(self) -> None:
        """Another publisher took over: drop this one's connection, and close as if it left
        (its transcoder flushed and stopped, its last segments published)."""
        self.kick()
        await self.close()

    async def close(self) -> None:
        """The publisher is gone: flush ffmpeg, publish what it finished, start the grace period."""
        if self._closed:
            return
        self._closed = True
        if self.stream.session is self:  # a reconnecting publisher may take over while we flush
            self.stream.session = None
        for task in (self._watcher, self._health_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.transcoder is not None:
            async with self.stream.publishing:
                await self.transcoder.finish()
                # ffmpeg is gone, its pipes closed: the last parts are read by now or soon.
                for task in self._part_tasks:
                    try:
                        await task
                    except Exception:
                        log.exception("low-latency parts failed", extra={"stream": self.stream.id})
                try:
                    await self._collect()
                except Exception:
                    log.exception(
                        "publishing the last segments failed", extra={"stream": self.stream.id}
                    )
        self.stream.publisher_left()


class Relay:
    def __init__(
        self,
        hooks: LiveHooks,
        blobs: BlobStore,
        config: RelayConfig,
        parts: RelayParts | None = None,
        on_health: Callable[[int, dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        """`parts`: where low-latency renditions go (the origin); None: regular HLS only.
        `on_health`: hears each publisher's stream health (`chirp.video.health`)."""
        self.hooks, self.blobs, self.config, self.parts = hooks, blobs, config, parts
        self.on_health = on_health
        self.writer = _ThrottledWriter(blobs)
        self.streams: dict[int, Broadcast] = {}

    async def open_session(self, stream_key: str) -> tuple[Session | None, str]:
        """A publisher wants to feed the stream of `stream_key`: a session, or None and why."""
        grant = await self.hooks.authorize(stream_key) if stream_key else None
        if grant is None:
            return None, "unknown or revoked stream key"
        return await self._open(grant)

    async def open_account_session(self, account_id: int) -> tuple[Session | None, str]:
        """The same for a signed-in streamer (browser ingest), when the domain supports it."""
        if not isinstance(self.hooks, AccountLiveHooks):
            return None, "publishing with an access token is not supported; use the stream key"
        grant = await self.hooks.authorize_account(account_id)
        if grant is None:
            return None, "this account has no stream to publish to"
        return await self._open(grant)

    async def _open(self, grant: PublishGrant) -> tuple[Session | None, str]:
        stream = self.streams.get(grant.stream_id)
        if stream is None:
            stream = self.streams[grant.stream_id] = Broadcast(self, grant)
        else:
            if stream.session is not None and not stream.ending:
                # Whoever holds the key is the streamer: their encoder reconnecting while the
                # old connection still looks alive (it died silently) must not wait it out.
                log.info("publisher taken over", extra={"stream_id": stream.id})
                await stream.session.stop()
            if not stream.resume():
                return None, "this stream is ending or already has a publisher"
        stream.runs += 1
        session = Session(stream, stream.runs - 1)
        stream.session = session
        log.info("publisher connected", extra={"stream_id": stream.id, "run": session.run})
        return session, ""

    async def end(self, stream_id: int) -> None:
        """The streamer ended the stream: drop the publisher, no grace period."""
        stream = self.streams.get(stream_id)
        if stream is None:
            return
        stream.ending = True
        if stream.session is not None:
            stream.session.kick()
        else:
            if stream._grace is not None:
                stream._grace.cancel()
            await stream.finish()

    async def close(self) -> None:
        """Shutdown: every stream ends now (publishers are dropped by the ingest servers)."""
        for stream in list(self.streams.values()):
            stream.ending = True
            if stream.session is not None:
                await stream.session.close()
            if stream._grace is not None:
                stream._grace.cancel()
            await stream.finish()
