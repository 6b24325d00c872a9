"""Mastodon pagination in SQL: `max_id` / `since_id` / `min_id` bounds on one id column."""

from __future__ import annotations

from typing import Any

from chirp.core.models import Page


def page_bounds(page: Page, column: str) -> tuple[str, list[Any]]:
    """A WHERE fragment (never empty) and its parameters."""
    conditions, params = [], []
    if page.max_id is not None:
        conditions.append(f"{column} < ?")
        params.append(page.max_id)
    lower = page.min_id if page.min_id is not None else page.since_id
    if lower is not None:
        conditions.append(f"{column} > ?")
        params.append(lower)
    return (" AND ".join(conditions) or "1"), params


def page_order(page: Page) -> str:
    """`min_id` pages walk forward from the cursor (oldest first); the rest walk backward."""
    return "ASC" if page.min_id is not None else "DESC"


def newest_first(page: Page, rows: list[Any]) -> list[Any]:
    return rows[::-1] if page.min_id is not None else rows
