"""The HTTP server: app factory, middleware, logging and the process runner."""

from chirp.server.app import create_app

__all__ = ["create_app"]
