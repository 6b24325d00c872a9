"""Live streams in realtime (Chirp extensions, documented in docs/live-video.md):

    stream.live    -> `stream.live` (Stream JSON) to the streamer's followers and the streamer
                      (`user` stream); the `chirp.live` notification follows from the dispatcher
    stream.ended   -> `stream.ending` to the relay (drops the publisher if it still has one),
                      then `stream.ended` to the same audience and to the stream's watchers
                      once the replay is complete (its VOD playlists with EXT-X-ENDLIST)
    chat           -> `stream.chat` / `stream.chat.delete` to the watchers (`live:<id>`), sent
                      at once by the node that wrote it (no outbox: chat is worth nothing late)
    viewer counts  -> `stream.viewers` to the watchers, coalesced: at most once per interval per
                      stream, and only by the node whose write changed the stored count

Only viewers who may watch a stream can subscribe to `live:<id>`, and every follower may watch
the streamer's private streams, so these audiences never leak a private stream.

`RelayWatch` wraps the relay's hooks so that a stream ended through the API (on any node)
drops its publisher on the node that relays it (on `stream.ending`, which only the relay hears).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import cast

import orjson

from chirp.core import live, topics
from chirp.core.context import Context
from chirp.core.dispatch import Batch, Step
from chirp.core.models import ChatMessage, Event
from chirp.core.ports.bus import EventBus
from chirp.core.ports.video import LiveHooks, PublishGrant
from chirp.realtime.hub import Format, Hub
from chirp.realtime.push import dumps, publish_best_effort, publish_surely
from chirp.realtime.subscriptions import StreamRequest
from chirp.serializers.live import LiveSerializer
from chirp.video.playback import blob_prefix
from chirp.video.relay import Relay, replay_pending

log = logging.getLogger(__name__)

# How long `stream.ended` waits for the relay to finish the replay (flush the transcoder, write
# the final playlists) before it goes out anyway (a relay that died never finishes it).
REPLAY_WAIT_SECONDS = 30.0
REPLAY_POLL_SECONDS = 0.25
RELAY_STOP = "stream.ending"  # to the relay only: viewers' subscriptions never pass it


class LiveRealtime:
    """Implements `chirp.core.context.LivePush`, plus the dispatcher steps of stream events."""

    def __init__(
        self,
        ctx: Context,
        bus: EventBus,
        *,
        viewers_interval: float = 1.0,
        sweep_interval: float = 5.0,
    ) -> None:
        self.ctx, self.bus = ctx, bus
        self.viewers_interval = viewers_interval
        self.sweep_interval = sweep_interval
        self._dirty: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._waiting: set[asyncio.Task[None]] = set()  # `stream.ended` waiting for replays

    # -- chat --------------------------------------------------------------------------------

    async def chat(self, message: ChatMessage) -> None:
        view = await live.load_view(self.ctx, [], [message])
        body = LiveSerializer(view, self.ctx.settings).chat(message)
        if body is not None:
            await publish_best_effort(
                self.bus, [topics.live(message.stream_id)], "stream.chat", dumps(body)
            )

    async def chat_deleted(self, stream_id: int, message_id: int) -> None:
        await publish_best_effort(
            self.bus, [topics.live(stream_id)], "stream.chat.delete", str(message_id)
        )

    # -- stream health (the relay's `on_health`) ---------------------------------------------

    async def health(self, stream_id: int, report: dict[str, object]) -> None:
        """To the streamer's `chirp:live:health` subscriptions; worth nothing late: not kept."""
        body = {"stream_id": str(stream_id), **report}
        await publish_best_effort(
            self.bus, [topics.live(stream_id)], "stream.health", dumps(body), keep=False
        )

    # -- viewer counts -----------------------------------------------------------------------

    def viewers_changed(self, stream_id: int) -> None:
        self._dirty.add(stream_id)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time() + self.sweep_interval
        while True:
            await asyncio.sleep(self.viewers_interval)
            try:
                if loop.time() >= next_sweep:
                    next_sweep = loop.time() + self.sweep_interval
                    self._dirty.update(await live.refresh_viewer_counts(self.ctx))
                if self._dirty:
                    dirty, self._dirty = self._dirty, set()
                    await self._push_viewers(dirty)
            except Exception:
                log.exception("live viewer counts failed; retrying next round")

    async def _push_viewers(self, stream_ids: set[int]) -> None:
        for stream in (await self.ctx.store.get_live_streams(stream_ids)).values():
            if stream.state != "live":
                continue
            body = {"stream_id": str(stream.id), "viewers_count": stream.viewers_count}
            await publish_best_effort(
                self.bus, [topics.live(stream.id)], "stream.viewers", dumps(body), keep=False
            )

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="chirp-live-viewers")

    async def stop(self) -> None:
        for task in [*self._waiting, *([self._task] if self._task else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- going live and ending (dispatcher steps) --------------------------------------------

    def steps(self) -> dict[str, list[Step]]:
        return {"stream.live": [self.went_live], "stream.ended": [self.stop_relay, self.ended]}

    async def went_live(self, ctx: Context, event: Event, batch: Batch) -> None:
        await self._announce(cast(int, event.payload["stream_id"]), "stream.live", watchers=False)

    async def stop_relay(self, ctx: Context, event: Event, batch: Batch) -> None:
        """Ended through the API (or its relay's lease ran out): the node relaying it, if any,
        drops the publisher and writes the replay."""
        stream_id = cast(int, event.payload["stream_id"])
        await publish_surely(self.bus, [topics.live(stream_id)], RELAY_STOP, str(stream_id))

    async def ended(self, ctx: Context, event: Event, batch: Batch) -> None:
        """Announced once the replay is complete, so a player told "ended" finds EXT-X-ENDLIST;
        the wait runs beside the dispatcher, never holding up other events."""
        stream_id = cast(int, event.payload["stream_id"])
        blobs = self.ctx.blobs
        stream = await self.ctx.store.get_live_stream(stream_id)
        private = stream is not None and stream.visibility != "public"
        relay_gone = bool(event.payload.get("relay_gone"))
        prefix = "" if blobs is None else blob_prefix(blobs, stream_id, private=private)
        if blobs is None or relay_gone or not await replay_pending(blobs, prefix):
            await self._announce(stream_id, "stream.ended", watchers=True)
            return
        task = asyncio.create_task(self._announce_after_replay(stream_id, prefix))
        self._waiting.add(task)
        task.add_done_callback(self._waiting.discard)

    async def _announce_after_replay(self, stream_id: int, prefix: str) -> None:
        blobs = self.ctx.blobs
        assert blobs is not None
        # Polled: the replay may be written by another node, into a bucket.
        try:
            for _ in range(round(REPLAY_WAIT_SECONDS / REPLAY_POLL_SECONDS)):
                if not await replay_pending(blobs, prefix):
                    break
                await asyncio.sleep(REPLAY_POLL_SECONDS)
            else:
                log.warning(
                    "stream ended without a complete replay", extra={"stream_id": stream_id}
                )
        except Exception:
            log.exception("checking a replay failed", extra={"stream_id": stream_id})
        await self._announce(stream_id, "stream.ended", watchers=True)

    async def _announce(self, stream_id: int, kind: str, *, watchers: bool) -> None:
        stream = await self.ctx.store.get_live_stream(stream_id)
        if stream is None:
            return
        view = await live.load_view(self.ctx, [stream])
        body = LiveSerializer(view, self.ctx.settings).stream(stream)
        if body is None:
            return
        audience = [stream.account_id, *await self.ctx.store.follower_ids(stream.account_id)]
        targets = [topics.user(a) for a in audience]
        if watchers:
            targets.append(topics.live(stream.id))
        await publish_surely(self.bus, targets, kind, dumps(body))


class _RelayOutlet:
    """Stands for the relay among the hub's connections: hears `stream.ending` (or, from an
    older node, `stream.ended`) of the streams this node relays and has the relay drop their
    publishers."""

    format: Format = "ws"

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self._tasks: set[asyncio.Task[None]] = set()

    def push(self, frame: bytes) -> bool:
        message = orjson.loads(frame)
        if message.get("event") in (RELAY_STOP, "stream.ended"):
            task = asyncio.create_task(self.relay.end(int(message["stream"][1])))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return True

    def close(self, code: int, reason: str) -> None:
        pass


class RelayWatch:
    """The relay's hooks: the domain's (`LiveService`), plus listening for `stream.ending` on
    every stream from the moment its publisher is authorized until the relay ends it. The relay
    is among the hub's connections only while it relays something."""

    def __init__(self, hooks: live.LiveService, hub: Hub) -> None:
        self.hooks, self.hub = hooks, hub
        self._outlet: _RelayOutlet | None = None
        self._watched: set[int] = set()
        self._lock = asyncio.Lock()

    def attach(self, relay: Relay) -> None:
        self._outlet = _RelayOutlet(relay)

    async def detach(self) -> None:
        async with self._lock:
            if self._outlet is not None and self._watched:
                await self.hub.disconnect(self._outlet)
            self._watched.clear()

    @staticmethod
    def _request(stream_id: int) -> StreamRequest:
        return StreamRequest(
            topics.live(stream_id),
            ("chirp:live", str(stream_id)),
            frozenset({RELAY_STOP, "stream.ended"}),
        )

    async def _watch(self, grant: PublishGrant | None) -> PublishGrant | None:
        if grant is None or self._outlet is None:
            return grant
        async with self._lock:
            if grant.stream_id not in self._watched:
                if not self._watched:
                    await self.hub.connect(self._outlet)
                self._watched.add(grant.stream_id)
                await self.hub.subscribe(self._outlet, self._request(grant.stream_id))
        return grant

    async def _unwatch(self, stream_id: int) -> None:
        async with self._lock:
            if self._outlet is None or stream_id not in self._watched:
                return
            self._watched.discard(stream_id)
            await self.hub.unsubscribe(self._outlet, self._request(stream_id))
            if not self._watched:
                await self.hub.disconnect(self._outlet)

    async def authorize(self, stream_key: str) -> PublishGrant | None:
        return await self._watch(await self.hooks.authorize(stream_key))

    async def authorize_account(self, account_id: int) -> PublishGrant | None:
        return await self._watch(await self.hooks.authorize_account(account_id))

    async def went_live(self, stream_id: int) -> None:
        await self.hooks.went_live(stream_id)

    async def ended(self, stream_id: int) -> None:
        await self._unwatch(stream_id)
        await self.hooks.ended(stream_id)


_: type[LiveHooks] = RelayWatch  # RelayWatch satisfies the relay's port
