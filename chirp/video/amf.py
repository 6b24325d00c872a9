"""AMF0, the encoding of RTMP command and data messages (only the types encoders send)."""

from __future__ import annotations

import struct
from typing import Any


class AmfError(ValueError):
    """Bytes that are not the AMF0 a publisher sends."""


def decode_all(data: bytes) -> list[Any]:
    values: list[Any] = []
    pos = 0
    while pos < len(data):
        value, pos = _decode(data, pos)
        values.append(value)
    return values


def _decode(data: bytes, pos: int) -> tuple[Any, int]:
    try:
        marker = data[pos]
        pos += 1
        if marker == 0x00:  # number
            return struct.unpack_from(">d", data, pos)[0], pos + 8
        if marker == 0x01:  # boolean
            return data[pos] != 0, pos + 1
        if marker == 0x02:  # string
            return _string(data, pos)
        if marker in (0x03, 0x08):  # object, ECMA array (the latter with a count we ignore)
            if marker == 0x08:
                pos += 4
            obj: dict[str, Any] = {}
            while True:
                if data[pos : pos + 3] == b"\x00\x00\x09":
                    return obj, pos + 3
                key, pos = _string(data, pos)
                obj[key], pos = _decode(data, pos)
        if marker in (0x05, 0x06):  # null, undefined
            return None, pos
        if marker == 0x0A:  # strict array
            (count,) = struct.unpack_from(">I", data, pos)
            pos += 4
            items = []
            for _ in range(count):
                item, pos = _decode(data, pos)
                items.append(item)
            return items, pos
        if marker == 0x0B:  # date: milliseconds and a time zone
            return struct.unpack_from(">d", data, pos)[0], pos + 10
        if marker == 0x0C:  # long string
            (length,) = struct.unpack_from(">I", data, pos)
            return data[pos + 4 : pos + 4 + length].decode("utf-8", "replace"), pos + 4 + length
    except (IndexError, struct.error) as exc:
        raise AmfError("truncated AMF0 value") from exc
    raise AmfError(f"unsupported AMF0 marker {marker:#x}")


def _string(data: bytes, pos: int) -> tuple[str, int]:
    (length,) = struct.unpack_from(">H", data, pos)
    end = pos + 2 + length
    if end > len(data):
        raise AmfError("truncated AMF0 string")
    return data[pos + 2 : end].decode("utf-8", "replace"), end


def encode(*values: Any) -> bytes:
    return b"".join(_encode(value) for value in values)


def _encode(value: Any) -> bytes:
    if value is None:
        return b"\x05"
    if isinstance(value, bool):
        return b"\x01" + (b"\x01" if value else b"\x00")
    if isinstance(value, int | float):
        return b"\x00" + struct.pack(">d", float(value))
    if isinstance(value, str):
        raw = value.encode()
        return b"\x02" + struct.pack(">H", len(raw)) + raw
    if isinstance(value, dict):
        body = b"".join(
            struct.pack(">H", len(k.encode())) + k.encode() + _encode(v) for k, v in value.items()
        )
        return b"\x03" + body + b"\x00\x00\x09"
    raise TypeError(f"cannot encode {type(value).__name__} as AMF0")
