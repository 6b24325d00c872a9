"""FLV framing of RTMP audio, video and metadata messages, as ffmpeg's `-f flv` reads them."""

from __future__ import annotations

import struct

AUDIO, VIDEO, SCRIPT = 8, 9, 18
# Signature, version 1, flags "audio and video", header length 9, then PreviousTagSize0.
HEADER = b"FLV\x01\x05\x00\x00\x00\x09" + b"\x00\x00\x00\x00"


def tag(kind: int, timestamp_ms: int, payload: bytes) -> bytes:
    ts = timestamp_ms & 0xFFFFFFFF
    head = bytes([kind])
    head += len(payload).to_bytes(3, "big")
    head += (ts & 0xFFFFFF).to_bytes(3, "big") + bytes([ts >> 24]) + b"\x00\x00\x00"
    return head + payload + struct.pack(">I", 11 + len(payload))


def is_keyframe(video_payload: bytes) -> bool:
    """FLV video data starts with frame type (high nibble; 1 = keyframe) and codec id."""
    return bool(video_payload) and video_payload[0] >> 4 == 1
