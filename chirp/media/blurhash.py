"""A BlurHash encoder (https://blurha.sh): a ~30-character placeholder clients paint while the
image loads. Pure Python over a tiny thumbnail, so it costs well under a millisecond of maths."""

from __future__ import annotations

import math

from PIL import Image

_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
_SAMPLE_EDGE = 32


def _base83(value: int, length: int) -> str:
    return "".join(_CHARS[(value // 83 ** (length - i - 1)) % 83] for i in range(length))


def _to_linear(channel: int) -> float:
    v = channel / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _to_srgb(value: float) -> int:
    v = min(1.0, max(0.0, value))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _sign_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def encode(image: Image.Image, x_components: int = 4, y_components: int = 3) -> str:
    """BlurHash of `image` (any mode; transparency is flattened on white)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    small = image.convert("RGB")
    small.thumbnail((_SAMPLE_EDGE, _SAMPLE_EDGE))
    width, height = small.size
    raw = small.tobytes()
    linear = [_to_linear(b) for b in range(256)]
    pixels = [
        (linear[raw[i]], linear[raw[i + 1]], linear[raw[i + 2]]) for i in range(0, len(raw), 3)
    ]
    factors: list[tuple[float, float, float]] = []
    for j in range(y_components):
        cos_y = [math.cos(math.pi * j * y / height) for y in range(height)]
        for i in range(x_components):
            cos_x = [math.cos(math.pi * i * x / width) for x in range(width)]
            norm = 1.0 if i == 0 and j == 0 else 2.0
            r = g = b = 0.0
            for y in range(height):
                row = y * width
                for x in range(width):
                    basis = cos_x[x] * cos_y[y]
                    pr, pg, pb = pixels[row + x]
                    r += basis * pr
                    g += basis * pg
                    b += basis * pb
            scale = norm / (width * height)
            factors.append((r * scale, g * scale, b * scale))
    dc, ac = factors[0], factors[1:]
    out = _base83((x_components - 1) + (y_components - 1) * 9, 1)
    if ac:
        actual_max = max(abs(v) for factor in ac for v in factor)
        quantised = max(0, min(82, math.floor(actual_max * 166 - 0.5)))
        max_value = (quantised + 1) / 166
        out += _base83(quantised, 1)
    else:
        max_value = 1.0
        out += _base83(0, 1)
    out += _base83((_to_srgb(dc[0]) << 16) + (_to_srgb(dc[1]) << 8) + _to_srgb(dc[2]), 4)
    for factor in ac:
        r, g, b = (
            max(0, min(18, math.floor(_sign_pow(v / max_value, 0.5) * 9 + 9.5))) for v in factor
        )
        out += _base83(r * 19 * 19 + g * 19 + b, 2)
    return out
