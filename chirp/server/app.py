"""The aiohttp application factory: routes, middleware, and resources opened in cleanup contexts."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator

from aiohttp import web

import chirp
from chirp.blobs import open_blobs
from chirp.blobs import signing_key as media_signing_key
from chirp.bus import open_bus
from chirp.cards.fetcher import LinkCardFetcher
from chirp.cards.guarded import GuardedClient, public_or
from chirp.cards.guarded import Limits as GuardLimits
from chirp.config import ConfigError, Settings
from chirp.core.backlog import OutboxGate
from chirp.core.blocks import SWEEP_SECONDS, sweep_expired_mutes
from chirp.core.cards import CardQueue
from chirp.core.context import Context
from chirp.core.dispatch import Dispatcher, Step
from chirp.core.ids import SnowflakeGenerator
from chirp.core.live import LiveService, keep_relay_leases
from chirp.core.media import collect_unattached_media
from chirp.core.secrets import Passwords
from chirp.core.side_effects import default_after_batch, default_steps
from chirp.handlers import (
    accounts,
    admin,
    announcements,
    apps,
    assets,
    blocks,
    conversation_mutes,
    conversations,
    custom_emojis,
    embed,
    filters,
    follow_requests,
    instance,
    lists,
    live_ingest,
    live_lowlatency,
    live_moderators,
    live_playback,
    live_streams,
    markers,
    media,
    notification_groups,
    notification_policy,
    notifications,
    oauth,
    openapi,
    polls,
    profiles,
    public_pages,
    push_subscriptions,
    relationships,
    reports,
    scheduled_statuses,
    search,
    sessions,
    statuses,
    streaming,
    studio,
    tags,
    timelines,
    watch,
    webapp,
    webapp_live,
    well_known,
)
from chirp.media.workers import MediaWorkers
from chirp.observability.server import (
    install_metrics,
    observed_bus,
    observed_deliver,
    observed_store,
)
from chirp.observability.tracing import install_tracing
from chirp.realtime.announcements import announcement_steps
from chirp.realtime.hub import Hub
from chirp.realtime.live import LiveRealtime, RelayWatch
from chirp.realtime.lowlatency import PartsBus
from chirp.realtime.push import Pusher
from chirp.realtime.slots import StreamSlots
from chirp.serializers.cache import RenderCache
from chirp.server.content_types import add_nosniff
from chirp.server.cors import add_browser_headers, cors_preflight, request_ids
from chirp.server.keys import (
    CONTEXT,
    DISPATCHER,
    HUB,
    LIVE_HOOKS,
    LIVE_REALTIME,
    MEDIA_WORKERS,
    METRICS,
    ORIGIN,
    PUSHER,
    READINESS,
    RELAY,
    RENDER_CACHE,
    SETTINGS,
    STREAM_SLOTS,
    TRACING,
    WEB_PUSH,
    Readiness,
)
from chirp.server.middleware import json_errors
from chirp.server.nodes import NODE_KEY, node_registry
from chirp.server.rate_limits import add_rate_limit_headers, open_rate_limits, rate_limits
from chirp.storage import open_store
from chirp.video import playback
from chirp.video.ladder import parse_ladder
from chirp.video.origin import Origin
from chirp.video.relay import Relay, RelayConfig
from chirp.video.rtmp import RtmpServer
from chirp.webpush.delivery import WebPushDelivery
from chirp.webpush.sender import WebPushSender, open_session
from chirp.webpush.vapid import load_vapid_keys

log = logging.getLogger(__name__)

ROUTE_MODULES = (
    instance,
    apps,
    oauth,
    relationships,
    accounts,
    statuses,
    timelines,
    notifications,
    markers,
    sessions,
    custom_emojis,
    announcements,
    notification_policy,  # `/api/v2/notifications/policy` before the groups' `/:group_key`
    notification_groups,
    conversation_mutes,
    conversations,
    blocks,
    search,
    streaming,
    assets,
    media,
    live_playback,
    live_lowlatency,
    live_moderators,
    live_ingest,
    lists,
    live_streams,
    studio,  # `/live/studio` before the watch page's `/live/<stream id>`
    webapp_live,  # `/live/<stream id>`: the app's watch screen for a signed-in browser
    embed,
    watch,
    well_known,
    follow_requests,
    profiles,
    tags,
    reports,
    admin,
    polls,
    scheduled_statuses,
    filters,
    push_subscriptions,
    openapi,
    webapp,  # the app's routes, and `/`, `/@<user>`, `/tags/...` for signed-in browsers
    public_pages,  # `/`, `/@<user>`, `/tags/<name>`: no API path starts so
)


async def _domain_context(app: web.Application) -> AsyncIterator[None]:
    """Open the store (migrating it) and wire the domain context; close the store last."""
    settings = app[SETTINGS]
    store = await open_store(settings.store_url, settings)
    store = observed_store(app, store)
    app[CONTEXT] = Context(
        settings=settings,
        store=store,
        ids=SnowflakeGenerator(settings.node_id),
        passwords=Passwords(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            concurrency=settings.argon2_concurrency,
        ),
        outbox_gate=OutboxGate(settings.outbox_backlog_limit),
    )
    try:
        yield
    finally:
        await store.close()


async def _realtime(app: web.Application) -> AsyncIterator[None]:
    """The event bus, this node's hub of sockets, and the push steps that feed them."""
    settings = app[SETTINGS]
    context = app[CONTEXT]
    opened = open_bus(
        settings.bus, history=settings.bus_history, per_topic=settings.bus_topic_history
    )
    bus = observed_bus(app, opened)
    hub = Hub(bus)
    await bus.start(observed_deliver(app, hub.deliver, opened))
    pusher = Pusher(context, bus, counts_interval=settings.live_counts_interval_seconds)
    pusher.start()
    # Viewers whose heartbeats stopped drop out within half their time to live.
    live = LiveRealtime(context, bus, sweep_interval=min(5.0, settings.live_viewer_ttl_seconds / 2))
    live.start()
    app[HUB], app[PUSHER], app[LIVE_REALTIME] = hub, pusher, live
    context.bus, context.live_push, context.tweet_push = bus, live, pusher
    try:
        yield
    finally:
        context.bus, context.live_push, context.tweet_push = None, None, None
        await live.stop()
        await pusher.stop()
        await bus.close()


async def _link_cards(app: web.Application) -> AsyncIterator[None]:
    """The web client that reads linked pages for their preview cards (never this network)."""
    settings = app[SETTINGS]
    if not settings.link_cards:
        yield
        return
    client = GuardedClient(
        f"Chirp/{chirp.__version__} (link preview; +{settings.base_url}/)",
        limits=GuardLimits(
            max_bytes=settings.link_card_max_bytes,
            timeout_seconds=settings.link_card_timeout_seconds,
        ),
        allowed=public_or(settings.link_card_allowed_private),
    )
    context = app[CONTEXT]
    context.card_fetcher = LinkCardFetcher(client, settings, context.blobs, context.media_workers)
    context.card_queue = CardQueue(context)
    try:
        yield
    finally:
        await context.card_queue.close()
        context.card_fetcher, context.card_queue = None, None
        await client.close()


async def _media(app: web.Application) -> AsyncIterator[None]:
    """The blob store, the media worker processes, and the collector of unattached uploads."""
    settings = app[SETTINGS]
    context = app[CONTEXT]
    context.blobs = open_blobs(settings, await media_signing_key(settings, context.store))
    context.playback = playback.HlsPlayback(context.blobs, settings)
    metrics = app.get(METRICS)
    workers = app[MEDIA_WORKERS] = MediaWorkers(
        settings.media_workers, observe=metrics.media_job if metrics is not None else None
    )
    context.media_workers = workers

    async def collect() -> None:
        while True:
            await asyncio.sleep(settings.media_gc_interval_seconds)
            try:
                removed = await collect_unattached_media(context)
                if removed:
                    log.info("collected unattached media", extra={"removed": removed})
            except Exception:
                log.exception("media collection failed; retrying next round")

    collector = asyncio.create_task(collect(), name="chirp-media-gc")
    try:
        yield
    finally:
        collector.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await collector
        await workers.close()
        await context.blobs.close()


async def _web_push(app: web.Application) -> AsyncIterator[None]:
    """The VAPID keys (configured, or kept in the store), the HTTP client pushes go out on,
    and the delivery the dispatcher hands `web_push.due` events to."""
    settings = app[SETTINGS]
    context = app[CONTEXT]
    keys = await load_vapid_keys(settings, context.store)
    subject = settings.vapid_subject or (
        f"mailto:{settings.contact_email}" if settings.contact_email else settings.base_url
    )
    session = open_session(settings.web_push_allow_local, settings.web_push_timeout_seconds)
    sender = WebPushSender(keys, subject, session, allow_local=settings.web_push_allow_local)
    app[WEB_PUSH] = WebPushDelivery(
        sender,
        concurrency=settings.web_push_concurrency,
        retry_seconds=settings.web_push_retry_seconds,
    )
    context.web_push = sender
    try:
        yield
    finally:
        context.web_push = None
        await session.close()


async def _mute_sweeper(app: web.Application) -> AsyncIterator[None]:
    """Deletes expired mutes and tells the muters' streams (reads ignore them already)."""
    context = app[CONTEXT]

    async def sweep() -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await sweep_expired_mutes(context)
            except Exception:
                log.exception("mute sweep failed; retrying next round")

    sweeper = asyncio.create_task(sweep(), name="chirp-mute-sweep")
    try:
        yield
    finally:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper


async def _live_relay(app: web.Application) -> AsyncIterator[None]:
    """The live-video relay and its RTMP ingest, once the domain has wired its `LIVE_HOOKS`
    (set on the app before it starts). Closed before the blob store it writes to."""
    settings = app[SETTINGS]
    blobs = app[CONTEXT].blobs
    hooks = app.get(LIVE_HOOKS)
    parts_bus = origin = None
    if blobs is not None and settings.live_low_latency:
        parts_bus = PartsBus(app[HUB], app[PUSHER].bus)
        origin = Origin(
            blobs, broadcast=parts_bus.broadcast, watch=parts_bus.watch, unwatch=parts_bus.unwatch
        )
        parts_bus.attach(origin)
        app[ORIGIN] = origin
    if hooks is None or blobs is None:
        log.info("live video relay off: no LiveHooks wired")
        try:
            yield
        finally:
            if parts_bus is not None:
                await parts_bus.close()
        return
    # The domain's hooks also hear, through the bus, streams ended on other nodes.
    watch = RelayWatch(hooks, app[HUB]) if isinstance(hooks, LiveService) else None
    relay = Relay(
        watch or hooks,
        blobs,
        RelayConfig(
            segment_seconds=settings.live_segment_seconds,
            grace_seconds=settings.live_reconnect_grace_seconds,
            window_segments=settings.live_window_segments,
            ladder=parse_ladder(settings.live_ladder),
            passthrough=settings.live_passthrough,
            private_prefix=functools.partial(playback.private_prefix, blobs),
            part_seconds=settings.live_part_seconds if origin is not None else 0.0,
        ),
        origin,
        app[LIVE_REALTIME].health,
    )
    app[RELAY] = relay
    leases = None
    if watch is not None:
        watch.attach(relay)
        leases = asyncio.create_task(
            keep_relay_leases(app[CONTEXT], relay.streams.keys), name="chirp-live-leases"
        )
    rtmp = None
    if settings.rtmp_port:
        rtmp = RtmpServer(
            relay,
            settings.rtmp_host or settings.host,
            settings.rtmp_port,
            reuse_port=settings.workers > 1,
        )
        try:
            await rtmp.start()
        except OSError as error:
            raise ConfigError(
                f"cannot listen for RTMP on port {settings.rtmp_port} ({error.strerror}): set"
                " CHIRP_RTMP_PORT (or chirp serve --rtmp-port) to a free port, or 0 to turn RTMP"
                " ingest off on this node"
            ) from None
    try:
        yield
    finally:
        if rtmp is not None:
            await rtmp.close()
        if leases is not None:
            leases.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await leases
        await relay.close()
        if watch is not None:
            await watch.detach()
        if parts_bus is not None:
            await parts_bus.close()


async def _close_streams(app: web.Application) -> None:
    """On shutdown, before waiting for handlers: streams end with 1001 (going away) so clients
    reconnect elsewhere, and long-lived handlers return."""
    await app[HUB].close_all(1001, "server shutting down")


def _steps(app: web.Application) -> dict[str, list[Step]]:
    steps = default_steps()
    pushes_of = (
        app[PUSHER].steps(),
        app[LIVE_REALTIME].steps(),
        announcement_steps(app[PUSHER].bus),
        app[WEB_PUSH].steps(),
    )
    for pushes in pushes_of:
        for kind, extra in pushes.items():
            steps[kind] = [*steps.get(kind, []), *extra]
    return steps


async def _dispatcher(app: web.Application) -> AsyncIterator[None]:
    """Run the outbox dispatcher (fan-out, notifications) beside the server; on shutdown, let
    the batch in hand finish and hand anything left to the next start (it stays in the outbox)."""
    context = app[CONTEXT]
    dispatcher = Dispatcher(
        context,
        _steps(app),
        after_batch=[*default_after_batch(), app[PUSHER].flush, app[WEB_PUSH].flush],
        # One process may dispatch for every process on a SQLite file (`Store.lead_dispatch`):
        # the others' events do not wake it, so it looks for them often (a count, inline).
        idle_poll_seconds=0.1 if app[SETTINGS].store_url.startswith("sqlite") else 1.0,
        metrics=app.get(METRICS),
        tracer=app.get(TRACING),
        owner=app[NODE_KEY].me.key,
    )
    app[DISPATCHER] = dispatcher
    context.wake_dispatcher = dispatcher.wake
    task = asyncio.create_task(dispatcher.run(), name="chirp-dispatcher")
    try:
        yield
    finally:
        context.wake_dispatcher = lambda: None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings()
    # Clients differ on trailing slashes (Mastodon.py asks for `/api/v2/instance/`): redirect
    # `/path/` to `/path` with 308 so the method and body survive.
    trailing_slash = web.normalize_path_middleware(
        append_slash=False, remove_slash=True, redirect_class=web.HTTPPermanentRedirect
    )
    # Preflights are answered before the redirect and the router can refuse them (`cors`).
    app = web.Application(
        middlewares=[request_ids, cors_preflight, json_errors, rate_limits, trailing_slash],
        client_max_size=settings.max_body_bytes,
    )
    app.on_response_prepare.append(add_browser_headers)
    app.on_response_prepare.append(add_rate_limit_headers)
    app.on_response_prepare.append(add_nosniff)
    app[SETTINGS] = settings
    app[READINESS] = Readiness()
    app[RENDER_CACHE] = RenderCache.within(settings.render_cache_mb)
    app[STREAM_SLOTS] = StreamSlots(
        per_token=settings.stream_max_per_token, per_ip=settings.stream_max_per_ip
    )
    # The relay runs (RTMP on CHIRP_RTMP_PORT, browser ingest) with the domain's live hooks.
    app[LIVE_HOOKS] = LiveService(lambda: app[CONTEXT])
    app.cleanup_ctx.append(_domain_context)
    app.cleanup_ctx.append(node_registry)
    app.cleanup_ctx.append(open_rate_limits)
    app.cleanup_ctx.append(_realtime)
    app.cleanup_ctx.append(_media)
    app.cleanup_ctx.append(_link_cards)
    app.cleanup_ctx.append(_web_push)
    app.cleanup_ctx.append(_dispatcher)
    app.cleanup_ctx.append(_live_relay)
    app.cleanup_ctx.append(_mute_sweeper)
    app.on_shutdown.append(_close_streams)
    for module in ROUTE_MODULES:
        app.add_routes(module.routes)
    install_metrics(app)
    install_tracing(app)  # outermost: its span holds the whole request
    return app
