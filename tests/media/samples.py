"""Real media made on the spot: photos with EXIF (GPS, orientation), transparent PNGs, animated
GIFs, decompression bombs, and short videos encoded with PyAV."""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

GPS_LATITUDE = (48.0, 51.0, 29.48)  # Paris


def photo(
    width: int = 1200,
    height: int = 800,
    *,
    orientation: int = 1,
    gps: bool = True,
    fmt: str = "JPEG",
) -> bytes:
    """A gradient photo with a red block in its top-left corner (to check orientation), and
    EXIF with camera make, GPS position and the orientation tag."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste((255, 0, 0), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    exif[0x010F] = "ChirpCam"  # Make
    exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: GPS_LATITUDE, 3: "E", 4: (2.0, 21.0, 7.53)}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def transparent_png(width: int = 300, height: int = 200) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 128, 255, 0))
    image.paste((255, 255, 0, 255), (50, 50, 150, 150))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def animated_gif(
    frames: int = 12, size: tuple[int, int] = (160, 120), duration_ms: int = 80
) -> bytes:
    images = [
        Image.new("RGB", size, (i * 20 % 256, 100, 255 - i * 20 % 256)) for i in range(frames)
    ]
    out = io.BytesIO()
    images[0].save(
        out, "GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0
    )
    return out.getvalue()


def static_gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (64, 48), 3).save(out, "GIF")
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb_header(width: int = 50_000, height: int = 50_000) -> bytes:
    """A few hundred bytes that claim 2.5 gigapixels: refused from the header, never decoded."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * (width // 8 + 1)
    body = compressor.compress(row * 64) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def png_bomb(side: int = 8000) -> bytes:
    """A real, complete 1-bit PNG of side x side pixels (64 MP), a few kilobytes compressed."""
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def video(
    path: Path,
    *,
    seconds: float = 1.0,
    size: tuple[int, int] = (320, 240),
    rate: int = 25,
    audio: bool = True,
    rotation: int = 0,
    container: str = "mp4",
    codec: str = "libx264",
) -> Path:
    """A test-pattern clip (moving colour bars) with a 440 Hz tone, encoded with PyAV."""
    width, height = size
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"} if codec == "libx264" else {}
        if rotation:
            stream.set_display_rotation(rotation)
        tone = None
        if audio:
            tone = out.add_stream("aac" if container == "mp4" else "libopus", rate=48000)
            tone.layout = "mono"
        frames = int(seconds * rate)
        base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        for index in range(frames):
            image = base.copy()
            x = (index * 7) % width
            image.paste((255, 0, 0), (x, 0, min(width, x + width // 8), height // 2))
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if tone is not None:
            import math

            samples = 1024
            for index in range(int(seconds * 48000 / samples)):
                frame = av.AudioFrame(format="fltp", layout="mono", samples=samples)
                values = [
                    0.3 * math.sin(2 * math.pi * 440 * (index * samples + n) / 48000)
                    for n in range(samples)
                ]
                frame.planes[0].update(struct.pack(f"{samples}f", *values))
                frame.sample_rate = 48000
                frame.pts = index * samples
                for packet in tone.encode(frame):
                    out.mux(packet)
            for packet in tone.encode(None):
                out.mux(packet)
    return path
