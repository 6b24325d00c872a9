"""Still images with Pillow: decode safely, apply the EXIF orientation, strip every metadata
block, scale to a maximum edge, make a preview and a blurhash. Runs in a worker process."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

from chirp.core.ports.media_processing import Limits, MediaRejected, Output, Probe, Processed
from chirp.media import blurhash
from chirp.media.files import describe, fit, save_still

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
FORMATS_OPTIONAL = {"AVIF": "image/avif"}
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, not half-shown


def _open(path: Path, limits: Limits) -> Image.Image:
    # Pillow's own bomb guard, at our cap (it raises past twice the value; we check exactly).
    Image.MAX_IMAGE_PIXELS = limits.image_max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path, formats=[*FORMATS, *FORMATS_OPTIONAL])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRejected(
            f"Image is too large (more than {limits.image_max_pixels} pixels)"
        ) from None
    except UnidentifiedImageError:
        raise MediaRejected("File is not a supported image, or is corrupt") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise MediaRejected(f"Image is corrupt ({error})") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise MediaRejected("Image has no pixels")
    if width * height > limits.image_max_pixels:
        raise MediaRejected(
            f"Image is too large ({width}x{height} is more than {limits.image_max_pixels} pixels)"
        )
    return image


def probe_image(path: Path, limits: Limits) -> Probe:
    image = _open(path, limits)
    with image:
        content_type = {**FORMATS, **FORMATS_OPTIONAL}[image.format or ""]
        frames = getattr(image, "n_frames", 1)
        if frames > 1:
            if image.width * image.height > limits.video_max_pixels:
                raise MediaRejected(
                    f"Animation frames are too large ({image.width}x{image.height})"
                )
            if frames * image.width * image.height > limits.animation_max_total_pixels:
                raise MediaRejected(f"Animation is too long ({frames} frames)")
            return Probe("animated", content_type, image.width, image.height)
        return Probe("image", content_type, image.width, image.height)


def decode(path: Path, limits: Limits) -> Image.Image:
    """The fully decoded, upright image (orientation applied), with no metadata attached."""
    image = _open(path, limits)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise MediaRejected(f"Image is corrupt or truncated ({error})") from None
    upright = ImageOps.exif_transpose(image) or image
    if upright.mode not in ("RGB", "RGBA", "L", "LA", "P", "PA"):
        upright = upright.convert("RGBA" if "A" in upright.mode else "RGB")
    # A fresh image from the pixels alone: EXIF, GPS, XMP, comments and ICC blocks stay behind.
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    if upright.mode in ("P", "PA"):
        clean.putpalette(upright.getpalette() or [])
        if "transparency" in upright.info:
            clean.info["transparency"] = upright.info["transparency"]
    return clean


def process_image(path: Path, out_dir: Path, limits: Limits) -> Processed:
    image = decode(path, limits)
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    width, height = fit(image.width, image.height, limits.image_max_edge)
    if (width, height) != image.size:
        image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    original = save_still(image, out_dir / "original", quality=88)
    preview_image = image.copy()
    preview_image.thumbnail(
        (limits.preview_max_edge, limits.preview_max_edge), Image.Resampling.LANCZOS
    )
    preview = save_still(preview_image, out_dir / "small", quality=80)
    return Processed("image", original, preview, blurhash.encode(preview_image))


def process_thumbnail(path: Path, out_dir: Path, limits: Limits) -> tuple[Output, str]:
    """A client-chosen preview (the `thumbnail` field, e.g. a video's cover): the preview file
    and its blurhash."""
    image = decode(path, limits)
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    image.thumbnail((limits.preview_max_edge, limits.preview_max_edge), Image.Resampling.LANCZOS)
    return save_still(image, out_dir / "thumbnail", quality=80), blurhash.encode(image)


def process_profile_image(
    path: Path, out: Path, limits: Limits, size: tuple[int, int]
) -> tuple[Output, Output | None]:
    """An avatar or header: cropped to fill exactly `size` around the centre, as Mastodon's
    `400x400#` and `1500x500#` geometries do (smaller pictures are scaled up to it). Only
    pixels are written. An animation stays animated (a GIF) and comes with a still PNG of its
    first frame, as Mastodon's `static` style: (picture, still or None)."""
    with _open(path, limits) as source:
        animated = getattr(source, "n_frames", 1) > 1
    if not animated:
        image = decode(path, limits)
        if image.mode in ("P", "PA"):
            image = image.convert("RGBA")
        return save_still(
            ImageOps.fit(image, size, Image.Resampling.LANCZOS), out, quality=88
        ), None
    frames, durations = _fitted_frames(path, limits, size)
    target = out.with_suffix(".gif")
    frames[0].save(
        target,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        disposal=2,
        optimize=False,
    )
    still = out.with_name(out.name + "-static").with_suffix(".png")
    frames[0].save(still, "PNG", compress_level=6)
    return (
        describe(target, "image/gif", "gif", *size),
        describe(still, "image/png", "png", *size),
    )


def _fitted_frames(
    path: Path, limits: Limits, size: tuple[int, int]
) -> tuple[list[Image.Image], list[int]]:
    """Every frame of an animation, composited, cropped to `size`, rebuilt from its pixels
    alone (no comment or metadata block comes along); and each frame's duration in ms."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    with _open(path, limits) as image:
        try:
            for frame in ImageSequence.Iterator(image):
                rgba = frame.convert("RGBA")
                fitted = ImageOps.fit(rgba, size, Image.Resampling.LANCZOS)
                frames.append(Image.frombytes("RGBA", fitted.size, fitted.tobytes()))
                durations.append(max(20, int(frame.info.get("duration") or 100)))
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise MediaRejected(f"Animation is corrupt or truncated ({error})") from None
    return frames, durations
