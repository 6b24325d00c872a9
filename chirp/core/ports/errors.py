"""Exceptions that storage writes raise, shared by every aggregate."""

from __future__ import annotations


class UniqueViolation(Exception):
    """A write collided with a unique key; `field` names it (`username`, `email`, ...)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} already taken")
        self.field = field


class MissingRecord(Exception):
    """A write referred to a record that no longer exists (e.g. liking a just-deleted tweet)."""
