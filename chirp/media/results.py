"""What the workers take and give back (plain, picklable records)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
