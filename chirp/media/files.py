"""Writing outputs: a digest of each file names it in the blob store (content addressing)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image

from chirp.core.ports.media_processing import Output


def describe(path: Path, content_type: str, extension: str, width: int, height: int) -> Output:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return Output(
        path=str(path),
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        size=path.stat().st_size,
        sha256=digest.hexdigest(),
    )


def has_alpha(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA"):
        low, _ = image.getchannel("A").getextrema()
        return isinstance(low, int | float) and low < 255
    return image.mode == "P" and "transparency" in image.info


def save_still(image: Image.Image, out: Path, *, quality: int) -> Output:
    """JPEG for opaque images, PNG where transparency matters. Only pixels are written: no
    EXIF (GPS, camera serials), no XMP, no comments."""
    if has_alpha(image):
        clean = image.convert("RGBA")
        target, content_type, extension = out.with_suffix(".png"), "image/png", "png"
        clean.save(target, "PNG", compress_level=6)
    else:
        clean = image.convert("RGB")
        target, content_type, extension = out.with_suffix(".jpg"), "image/jpeg", "jpg"
        clean.save(target, "JPEG", quality=quality, optimize=True, progressive=True)
    return describe(target, content_type, extension, clean.width, clean.height)


def fit(width: int, height: int, edge: int, *, even: bool = False) -> tuple[int, int]:
    """Scale (width, height) down to fit `edge` on the longer side; never up."""
    scale = min(1.0, edge / max(width, height))
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    if even:  # H.264 with 4:2:0 chroma needs even dimensions
        w, h = max(2, w - w % 2), max(2, h - h % 2)
    return w, h
