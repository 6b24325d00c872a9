"""The aiohttp application factory: routes, middleware, and resources opened in cleanup contexts."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from chirp.config import Settings
from chirp.core.context import Context
from chirp.core.ids import SnowflakeGenerator
from chirp.core.secrets import Passwords
from chirp.handlers import accounts, apps, assets, instance, oauth
from chirp.server.keys import CONTEXT, SETTINGS
from chirp.server.middleware import json_errors
from chirp.storage import open_store

ROUTE_MODULES = (instance, apps, oauth, accounts, assets)


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
    for module in ROUTE_MODULES:
        app.add_routes(module.routes)
    return app
