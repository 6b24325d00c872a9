"""AMF0 as encoders send it, and hostile bytes refused cleanly."""

from __future__ import annotations

import pytest

from chirp.video import amf


def test_round_trip_of_a_connect_command() -> None:
    data = amf.encode("connect", 1, {"app": "live", "tcUrl": "rtmp://h/live", "fpad": False}, None)
    assert amf.decode_all(data) == [
        "connect", 1.0, {"app": "live", "tcUrl": "rtmp://h/live", "fpad": False}, None,
    ]  # fmt: skip


def test_ecma_array_metadata() -> None:
    body = b"\x08\x00\x00\x00\x01" + amf.encode({"width": 1280})[1:]
    assert amf.decode_all(amf.encode("onMetaData") + body) == ["onMetaData", {"width": 1280.0}]


@pytest.mark.parametrize("data", [b"\x02\x00\x10ab", b"\x00\x01", b"\x03\x00\x01a", b"\x11"])
def test_truncated_or_unknown_values_raise_amf_error(data: bytes) -> None:
    with pytest.raises(amf.AmfError):
        amf.decode_all(data)
