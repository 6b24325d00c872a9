"""What the core reports about its own work, for whoever watches it (`chirp.observability`).

The core imports no metrics or tracing library: it calls these ports, and the server wires
implementations in (Prometheus, OpenTelemetry, or nothing). Metric labels are kinds and names
from the code, never ids or user input, so every series set stays bounded.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from chirp.core.models import Event


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


class DispatchTracer(Protocol):
    """Traces of the outbox's side effects."""

    def handling(self, event: Event) -> AbstractContextManager[object]:
        """Held while `event`'s side effects run: they join the trace of the request that
        recorded it, when it recorded one."""
