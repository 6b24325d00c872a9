"""Pydantic helpers for Mastodon's loosely typed parameters (form strings, `id[]` lists)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def form_bool(value: Any) -> Any:
    """Form encodings send booleans as strings; accept what Rails accepts."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "on", "yes", "t"):
            return True
        if lowered in ("0", "false", "off", "no", "f", ""):
            return False
    return value


def _blank_none(value: Any) -> Any:
    return None if value == "" else value


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return value


FormBool = Annotated[bool, BeforeValidator(form_bool)]
OptionalId = Annotated[int | None, BeforeValidator(_blank_none)]
IdList = Annotated[list[int], BeforeValidator(_as_list)]
StrList = Annotated[list[str], BeforeValidator(_as_list)]
