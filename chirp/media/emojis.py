"""Custom emoji images with Pillow: check what the operator gave, and draw its static PNG.

Mastodon takes PNG, GIF and WebP (animated or not) of at most 256 KB and serves each with a
`static_url`: the first frame as a PNG, for clients that animate only on hover."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from chirp.core.ports.media_processing import EmojiImage, MediaRejected

FORMATS = {"PNG": ("image/png", "png"), "GIF": ("image/gif", "gif"), "WEBP": ("image/webp", "webp")}
MAX_BYTES = 256 * 1024
# An emoji is drawn at text size: this bounds the decoding work of a small file, not the art.
MAX_PIXELS = 4096 * 4096


def prepare_emoji(data: bytes) -> EmojiImage:
    """Validate an emoji image and render its static PNG; `MediaRejected` says what is wrong.
    Blocking (decoding): call it off the event loop."""
    if not data:
        raise MediaRejected("The image file is empty")
    if len(data) > MAX_BYTES:
        raise MediaRejected(f"The image is larger than {MAX_BYTES // 1024} KB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            with image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    raise MediaRejected(f"The image's size ({width}x{height}) is not allowed")
                content_type, extension = FORMATS[image.format or ""]
                image.seek(0)
                first = image.convert("RGBA")
                first.load()
    except MediaRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRejected("The image has too many pixels") from None
    except UnidentifiedImageError:
        raise MediaRejected("The file is not a PNG, GIF or WebP image") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise MediaRejected(f"The image is corrupt ({error})") from None
    out = io.BytesIO()
    first.save(out, format="PNG", optimize=True)
    return EmojiImage(content_type, extension, width, height, out.getvalue())
