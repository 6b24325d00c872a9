"""What the core reports about its own work, for whoever measures it (`chirp.observability`).

The core imports no metrics library: it calls this port, and the server wires an
implementation in (Prometheus, or nothing). Labels are kinds and names from the code, never
ids or user input, so every series set stays bounded.
"""

from __future__ import annotations

from typing import Protocol


class DispatchMetrics(Protocol):
    """The outbox dispatcher's side effects."""

    def event_done(self, kind: str, lag_seconds: float) -> None:
        """An event's side effects all ran; `lag_seconds` from its write (its id's time) until
        then: for `status.created`, tweet written -> every home feed holds it."""

    def step_failed(self, kind: str) -> None:
        """A side effect (or the batch hook after it) failed; the event will be retried."""

    def event_retried(self, kind: str, attempt: int) -> None:
        """An event was put back in the outbox with a backoff."""

    def batch_done(self, events: int, seconds: float) -> None:
        """One claimed batch handled (its steps and hooks), successful or not."""
