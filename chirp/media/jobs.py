"""Entry points the worker processes run (top-level functions, so they pickle by name)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from chirp.core.ports.media_processing import Limits, MediaRejected, Output, Probe, Processed
from chirp.media import images, video


def accepted_types() -> list[str]:
    """MIME types an upload may be: every image format this Pillow build decodes, and the
    video containers the transcoder demuxes (what the instance document advertises)."""
    Image.init()
    formats = {**images.FORMATS, **images.FORMATS_OPTIONAL}
    return [kind for name, kind in formats.items() if name in Image.OPEN] + list(video.DEMUXERS)


def probe(path: Path, content_type: str, limits: Limits) -> Probe:
    if path.stat().st_size == 0:
        raise MediaRejected("File is empty")
    if content_type.startswith("video/"):
        return video.probe_video(path, content_type, limits)
    return images.probe_image(path, limits)


def process(path: Path, probe: Probe, out_dir: Path, limits: Limits) -> Processed:
    out_dir.mkdir(parents=True, exist_ok=True)
    if probe.kind == "image":
        return images.process_image(path, out_dir, limits)
    if probe.kind == "animated":
        return video.transcode_animation(path, out_dir, limits)
    return video.transcode_video(path, probe.content_type, out_dir, limits)


def thumbnail(path: Path, out_dir: Path, limits: Limits) -> tuple[Output, str]:
    if path.stat().st_size == 0:
        raise MediaRejected("Thumbnail is empty")
    out_dir.mkdir(parents=True, exist_ok=True)
    return images.process_thumbnail(path, out_dir, limits)


def profile_image(
    path: Path, out_dir: Path, limits: Limits, size: tuple[int, int]
) -> tuple[Output, Output | None]:
    if path.stat().st_size == 0:
        raise MediaRejected("File is empty")
    out_dir.mkdir(parents=True, exist_ok=True)
    return images.process_profile_image(path, out_dir / "profile", limits, size)
