"""Pydantic helpers for Mastodon's loosely typed parameters (form strings, `id[]` lists)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field


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
# Ids that fit the 64-bit columns they are looked up in (a bigger one is a 422, not a 500).
SnowflakeIds = Annotated[list[Annotated[int, Field(ge=0, lt=2**63)]], BeforeValidator(_as_list)]
StrList = Annotated[list[str], BeforeValidator(_as_list)]


def nest_brackets(flat: dict[str, Any]) -> dict[str, Any]:
    """Rails-style keys into nested objects, as Mastodon reads forms: `source[privacy]` ->
    `{"source": {"privacy": ...}}`, `fields_attributes[0][name]` ->
    `{"fields_attributes": {"0": {"name": ...}}}`. Keys without brackets, and JSON bodies
    (nested already), pass through; a key both plain and nested keeps its nested form."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        head, bracket, rest = key.partition("[")
        if not bracket or not rest.endswith("]"):
            out.setdefault(key, value)
            continue
        path = [head, *rest[:-1].split("][")]
        node = out
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    return out
