"""The publisher: realtime events onto the bus, for every node's sockets.

Two ways: `publish_surely` for the outbox's pushes (it waits out a bus that is away, holding up
the dispatcher, so no event is lost or sent to this node alone) and `publish_best_effort` for
pushes outside the outbox (live chat, a conversation read, a link card), which log and drop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson

from chirp.core.ports.bus import BusUnavailable, EventBus

log = logging.getLogger(__name__)

# The longest pause between tries of a push the bus refused (its server away).
BUS_RETRY_MAX = 2.0


def dumps(value: object) -> str:
    return orjson.dumps(value).decode()


async def publish_best_effort(
    bus: EventBus,
    targets: Iterable[str],
    event: str,
    payload: str,
    *,
    keep: bool = True,
    once: str | None = None,
) -> bool:
    """Publish, logging failures; True if the bus took the message."""
    targets = list(dict.fromkeys(targets))
    if not targets:
        return True
    try:
        await bus.publish(targets, event, payload, keep=keep, once=once)
    except BusUnavailable as error:
        log.warning(
            "realtime publish failed: bus away", extra={"event": event, "error": str(error)}
        )
        return False
    except Exception:  # realtime is best effort; REST and the replay history stay correct
        log.exception("realtime publish failed", extra={"event": event})
        return False
    return True


async def publish_surely(
    bus: EventBus, targets: Iterable[str], event: str, payload: str, *, once: str | None = None
) -> None:
    """The outbox's pushes: while the bus is away, wait and try again, holding up the
    dispatcher (its events stay leased), so every socket gets every event, in order, once the
    bus is back, and none is delivered to this node's sockets alone. Other failures are logged
    and dropped, as `publish_best_effort` does. `once`: the event's key, so a batch the
    outbox runs again (a later step failed) does not send it twice."""
    targets = list(dict.fromkeys(targets))
    pause = 0.1
    while targets:
        try:
            await bus.publish(targets, event, payload, once=once)
            return
        except BusUnavailable as error:
            log.warning(
                "realtime push waits for the bus",
                extra={"event": event, "error": str(error), "retry_in_s": pause},
            )
        except Exception:
            log.exception("realtime publish failed", extra={"event": event})
            return
        await asyncio.sleep(pause)
        pause = min(pause * 2, BUS_RETRY_MAX)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message for `publish_all_surely`."""

    targets: tuple[str, ...]
    event: str
    payload: str
    once: str | None = None


async def publish_all_surely(bus: EventBus, messages: Sequence[Outgoing]) -> None:
    """`publish_surely` for each message, in order, handed to the bus together: a bus that
    pipelines (Redis's) sends a batch's pushes in one round trip instead of one each. While
    the bus is away, waits and sends again from the first message it refused."""
    remaining = [
        Outgoing(tuple(dict.fromkeys(m.targets)), m.event, m.payload, m.once)
        for m in messages
        if m.targets
    ]
    pause = 0.1
    while remaining:
        results = await asyncio.gather(
            *(bus.publish(m.targets, m.event, m.payload, once=m.once) for m in remaining),
            return_exceptions=True,
        )
        refused = next((i for i, r in enumerate(results) if isinstance(r, BusUnavailable)), None)
        for message, result in zip(remaining[:refused], results, strict=False):
            if isinstance(result, BaseException):
                log.error(
                    "realtime publish failed",
                    extra={"event": message.event},
                    exc_info=(type(result), result, result.__traceback__),
                )
        if refused is None:
            return
        log.warning(
            "realtime push waits for the bus",
            extra={
                "event": remaining[refused].event,
                "error": str(results[refused]),
                "retry_in_s": pause,
            },
        )
        remaining = remaining[refused:]
        await asyncio.sleep(pause)
        pause = min(pause * 2, BUS_RETRY_MAX)
