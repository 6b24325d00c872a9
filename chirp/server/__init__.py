"""The HTTP server: app factory, middleware, logging and the process runner."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Imported lazily: handlers import `chirp.server.keys`, and the app imports the handlers.
    if name == "create_app":
        from chirp.server.app import create_app

        return create_app
    raise AttributeError(name)
