"""The media-processing port: decoding and re-encoding uploads, off the event loop.

Decoding hostile files is CPU-heavy and runs native code, so the adapter (`chirp.media.workers`)
runs each job in a worker process with a time limit. What it takes and gives back are plain,
picklable records, defined here.
"""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class MediaRejected(Exception):
    """The file cannot be accepted; the message is the reason shown to the client (422)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Limits:
    image_max_pixels: int = 33_177_600
    image_max_edge: int = 3840
    preview_max_edge: int = 640
    video_max_seconds: float = 300.0
    video_max_pixels: int = 8_294_400
    video_max_edge: int = 1920
    video_max_bitrate_kbps: int = 6000
    # Animated images are decoded frame by frame: this bounds the total work (frames x pixels).
    animation_max_total_pixels: int = 2_000_000_000


@dataclass(frozen=True, slots=True)
class Probe:
    """A quick look at an upload: what it is, and whether it may go on to processing."""

    kind: str  # image | animated | video
    content_type: str
    width: int
    height: int
    duration: float | None = None


@dataclass(frozen=True, slots=True)
class Output:
    """One file the processing wrote (original or preview)."""

    path: str
    content_type: str
    extension: str
    width: int
    height: int
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Processed:
    type: str  # image | gifv | video (Mastodon attachment types)
    original: Output
    preview: Output
    blurhash: str
    duration: float | None = None
    frame_rate: str | None = None
    bitrate: int | None = None
    audio: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EmojiImage:
    """A custom emoji's image, checked, and the static PNG drawn from its first frame."""

    content_type: str
    extension: str
    width: int
    height: int
    static_png: bytes


class MediaProcessor(Protocol):
    """Each job runs at most `seconds` and raises `MediaRejected` (with the reason shown to the
    client) for a file it cannot accept, a time-out or a crash of the decoder."""

    async def probe(self, seconds: float, path: Path, content_type: str, limits: Limits) -> Probe:
        """A quick look: what the file is and whether it is within `limits`."""
        ...

    async def process(
        self, seconds: float, path: Path, probe: Probe, out_dir: Path, limits: Limits
    ) -> Processed:
        """The original (metadata stripped, re-encoded where needed) and its preview."""
        ...

    async def thumbnail(
        self, seconds: float, path: Path, out_dir: Path, limits: Limits
    ) -> tuple[Output, str]:
        """A custom preview for a video or audio attachment, and its blurhash."""
        ...

    async def profile_image(
        self, seconds: float, path: Path, out_dir: Path, limits: Limits, size: tuple[int, int]
    ) -> tuple[Output, Output | None]:
        """An avatar or header cropped to `size`, and its still if it is animated."""
        ...

    async def prepare_emoji(self, data: bytes) -> EmojiImage:
        """A custom emoji's image checked, and its static PNG."""
        ...

    def background(self, job: Coroutine[Any, Any, None], *, name: str) -> None:
        """Run `job` beside the server (asynchronous video processing); closing cancels it."""
        ...
