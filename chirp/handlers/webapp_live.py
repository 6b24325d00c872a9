"""`GET /live/<stream id>` for a signed-in browser: the web app's watch screen (the player and
the chat inside the app, on the tab's one socket); for anyone else the standalone watch page
(`chirp.handlers.watch`), which link previews and signed-out viewers get as before.

A module of its own because it must come before `watch` in the route table (the first route
that matches answers), while the rest of the app's routes come after the API's.
"""

from __future__ import annotations

from aiohttp import web

from chirp.handlers import watch
from chirp.handlers.webapp import app_or_public

routes = web.RouteTableDef()

# Digits only: `/live/studio` stays the studio's.
routes.get(r"/live/{stream_id:\d+}")(app_or_public(watch.watch_page))
