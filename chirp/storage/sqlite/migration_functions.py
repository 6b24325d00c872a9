"""SQL functions the migrations may call, for data only Python can derive (registered on the
migrating connection by `db.apply_migrations`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chirp.core.text import status_link_keys


def _link_keys(text: str | None) -> str:
    """A tweet's links (`core.text.status_link_keys`) as a JSON array, for `json_each`."""
    return json.dumps(status_link_keys(text or ""))


# name -> (number of arguments, function)
FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "chirp_link_keys": (1, _link_keys),
}
