"""Typed application keys: every process-wide resource hangs off the app under one of these."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from chirp.config import Settings
from chirp.core.context import Context
from chirp.core.dispatch import Dispatcher
from chirp.core.models import Principal
from chirp.core.ports.video import LiveHooks
from chirp.media.workers import MediaWorkers
from chirp.observability.metrics import ChirpMetrics
from chirp.observability.tracing import Tracing
from chirp.realtime.hub import Hub
from chirp.realtime.live import LiveRealtime
from chirp.realtime.push import Pusher
from chirp.realtime.slots import StreamSlots
from chirp.realtime.wire import Flusher
from chirp.serializers.cache import RenderCache
from chirp.video.origin import Origin
from chirp.video.relay import Relay
from chirp.webpush.delivery import WebPushDelivery


@dataclass(slots=True)
class Readiness:
    """Whether the node is draining (SIGTERM received): `/readyz` then answers 503."""

    draining: bool = False


SETTINGS = web.AppKey("settings", Settings)
READINESS = web.AppKey("readiness", Readiness)
CONTEXT = web.AppKey("context", Context)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
HUB = web.AppKey("hub", Hub)
FLUSHER = web.AppKey("flusher", Flusher)
PUSHER = web.AppKey("pusher", Pusher)
# Web Push: the sending of queued pushes (`chirp.webpush.delivery`).
WEB_PUSH = web.AppKey("web_push", WebPushDelivery)
# The domain's side of the live-video seam; the relay (RTMP ingest, transcoding) runs when set.
LIVE_HOOKS = web.AppKey("live_hooks", LiveHooks)
RELAY = web.AppKey("relay", Relay)
# Low-Latency HLS: what this node knows of every low-latency rendition (absent when off).
ORIGIN = web.AppKey("origin", Origin)
LIVE_REALTIME = web.AppKey("live_realtime", LiveRealtime)
# The media worker processes (the context holds them as its `MediaProcessor` port).
MEDIA_WORKERS = web.AppKey("media_workers", MediaWorkers)
# Statuses and accounts rendered to JSON, reused while their records are unchanged.
RENDER_CACHE = web.AppKey("render_cache", RenderCache)
# Prometheus metrics (absent when CHIRP_METRICS_ENABLED=false), and on the app that serves
# only `/metrics` on CHIRP_METRICS_PORT, the app it reports on.
METRICS = web.AppKey("metrics", ChirpMetrics)
METRICS_OF = web.AppKey("metrics_of", web.Application)
# OpenTelemetry tracing (absent unless CHIRP_TRACING_* configures it).
TRACING = web.AppKey("tracing", Tracing)
# The principal of the request's bearer token, once the rate limiter looked it up; handlers
# reuse it instead of reading the token again.
PRINCIPAL = web.RequestKey("principal", Principal)
# Open streams per token and per IP on this node.
STREAM_SLOTS = web.AppKey("stream_slots", StreamSlots)
