"""Chirp: a realtime, horizontally scalable Twitter-like backend speaking the Mastodon client API."""

__version__ = "0.1.0"
