"""Pydantic helpers for Mastodon's loosely typed parameters (form strings, `id[]` lists).

Every id a client sends in a body or query (`in_reply_to_id`, `media_ids[]`, `max_id`...) is
parsed here, by `Id`: a record id is a 64-bit snowflake, so anything else (negative, beyond
2^63 - 1, not digits) is refused with 422 before a store is asked (SQLite raises on integers
past 64 bits)."""

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


ID_LIMIT = 2**63  # ids are signed 64-bit integers in every store


def record_id(value: Any) -> int:
    """An id as JSON (a number or a string of digits) or form text sends it; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("must be a record id")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        raise ValueError("must be a record id (a string of digits)")
    if not 0 <= number < ID_LIMIT:
        raise ValueError("must be a record id (a 64-bit positive integer)")
    return number


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return value


def _blank_none_id(value: Any) -> Any:
    return None if value is None or value == "" else record_id(value)


FormBool = Annotated[bool, BeforeValidator(form_bool)]
Id = Annotated[int, BeforeValidator(record_id)]
OptionalId = Annotated[int | None, BeforeValidator(_blank_none_id)]
IdList = Annotated[list[Id], BeforeValidator(_as_list)]
StrList = Annotated[list[str], BeforeValidator(_as_list)]
IntList = Annotated[list[int], BeforeValidator(_as_list)]  # JSON numbers or form text


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
