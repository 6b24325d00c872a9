"""Formatting shared by every serializer."""

from __future__ import annotations

import html
from datetime import datetime


def iso(value: datetime | None) -> str | None:
    """UTC ISO 8601 with milliseconds and `Z`, as Mastodon renders times."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def plain_to_html(text: str) -> str:
    """Escape, then paragraphs on blank lines and <br> on single newlines."""
    if not text:
        return ""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br />".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
