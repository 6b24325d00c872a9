"""Built-in images: the default avatar and header every account starts with."""

from __future__ import annotations

import struct
import zlib
from functools import cache

from aiohttp import web

routes = web.RouteTableDef()


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, built by hand so no image library is needed at start-up."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


@cache
def _default_image(kind: str) -> bytes:
    return (
        _png(400, 400, (0x9B, 0xA6, 0xB2))
        if kind == "avatars"
        else _png(1500, 500, (0xD9, 0xE1, 0xE8))
    )


@routes.get(r"/{kind:avatars|headers}/original/missing.png")
async def default_image(request: web.Request) -> web.Response:
    return web.Response(
        body=_default_image(request.match_info["kind"]),
        content_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )
