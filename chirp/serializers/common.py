"""Formatting shared by every serializer."""

from __future__ import annotations

import html
from datetime import datetime


def iso(value: datetime | None) -> str | None:
    """UTC ISO 8601 with milliseconds and `Z`, as Mastodon renders times."""
    if value is None:
        return None
    if value.year < 1000:  # isoformat pads the year to 4 digits, strftime does not
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    # Half the cost of strftime (a hot path: every status and account of every page). The
    # fields are the value's own, as strftime's; only the UTC offset suffix is replaced.
    return value.isoformat(timespec="milliseconds")[:23] + "Z"


def plain_to_html(text: str) -> str:
    """Escape, then paragraphs on blank lines and <br> on single newlines."""
    if not text:
        return ""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br />".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
