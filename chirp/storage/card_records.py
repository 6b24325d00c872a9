"""A preview card as one JSON document, the same in every backend (the card is read and
written whole, never queried by its members)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from chirp.core.models import PreviewCard

_TIMES = ("published_at", "fetched_at")


def card_body(card: PreviewCard) -> dict[str, Any]:
    body = dataclasses.asdict(card)
    for name in _TIMES:
        value = body[name]
        body[name] = value.isoformat() if value is not None else None
    return body


def card_from_body(body: dict[str, Any]) -> PreviewCard:
    known = {f.name for f in dataclasses.fields(PreviewCard)}
    values = {k: v for k, v in body.items() if k in known}
    for name in _TIMES:
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    return PreviewCard(**values)
