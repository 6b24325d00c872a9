"""What a file is, from its first bytes: never from its name or the client's Content-Type."""

from __future__ import annotations

from dataclasses import dataclass

SNIFF_BYTES = 64


@dataclass(frozen=True, slots=True)
class Sniffed:
    category: str  # image (incl. GIF: the image size cap applies) | video
    content_type: str


_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff(head: bytes) -> Sniffed | None:
    """None for anything we do not accept (HTML, SVG, scripts, PDFs, HEIC, empty files...)."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "image/png")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image", "image/gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "image/webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return Sniffed("image", "image/avif")
        if brand in _HEIC_BRANDS:
            return None
        return Sniffed("video", "video/quicktime" if brand == b"qt  " else "video/mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("video", "video/webm")
    return None
