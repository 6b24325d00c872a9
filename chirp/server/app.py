"""The aiohttp application factory: routes, middleware, and resources opened in cleanup contexts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from chirp.config import Settings
from chirp.core.context import Context
from chirp.core.dispatch import Dispatcher
from chirp.core.ids import SnowflakeGenerator
from chirp.core.secrets import Passwords
from chirp.core.side_effects import default_after_batch, default_steps
from chirp.handlers import (
    accounts,
    apps,
    assets,
    instance,
    notifications,
    oauth,
    relationships,
    search,
    statuses,
    timelines,
)
from chirp.server.keys import CONTEXT, DISPATCHER, SETTINGS
from chirp.server.middleware import json_errors
from chirp.storage import open_store

ROUTE_MODULES = (
    instance,
    apps,
    oauth,
    relationships,
    accounts,
    statuses,
    timelines,
    notifications,
    search,
    assets,
)


async def _domain_context(app: web.Application) -> AsyncIterator[None]:
    """Open the store (migrating it) and wire the domain context; close the store last."""
    settings = app[SETTINGS]
    store = await open_store(settings.store_url)
    app[CONTEXT] = Context(
        settings=settings,
        store=store,
        ids=SnowflakeGenerator(settings.node_id),
        passwords=Passwords(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        ),
    )
    try:
        yield
    finally:
        await store.close()


async def _dispatcher(app: web.Application) -> AsyncIterator[None]:
    """Run the outbox dispatcher (fan-out, notifications) beside the server; on shutdown, let
    the batch in hand finish and hand anything left to the next start (it stays in the outbox)."""
    context = app[CONTEXT]
    dispatcher = Dispatcher(context, default_steps(), after_batch=default_after_batch())
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
    app = web.Application(
        middlewares=[json_errors, trailing_slash], client_max_size=settings.max_body_bytes
    )
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_domain_context)
    app.cleanup_ctx.append(_dispatcher)
    for module in ROUTE_MODULES:
        app.add_routes(module.routes)
    return app
