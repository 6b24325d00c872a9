"""A synthetic publisher: ffmpeg's test pattern and tone, pushed over RTMP in real time."""

from __future__ import annotations

import asyncio
from fractions import Fraction

from tests.helpers import require_tool


def encoder_args(
    url: str,
    *,
    seconds: float,
    size: str = "640x360",
    rate: int | str = 25,
    keyint_seconds: float = 1.0,
    video_filter: str = "null",
    video_kbps: int | None = None,
) -> list[str]:
    """The ffmpeg command line (for callers that run it without asyncio). `video_filter` draws
    on the pattern (the latency benchmark stamps each frame's number on it); `rate` may be a
    fraction such as "30000/1001" (NTSC's 29.97 fps)."""
    keyint = round(Fraction(rate) * Fraction(keyint_seconds))
    # Constant bit rate as OBS sends it (its rate is announced in the FLV metadata); None: x264's
    # default constant quality, no rate announced.
    bitrate = (
        ["-b:v", f"{video_kbps}k", "-maxrate", f"{video_kbps}k", "-bufsize", f"{video_kbps}k"]
        if video_kbps
        else []
    )
    return [
        require_tool("ffmpeg", "ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-t", str(seconds), "-vf", video_filter,
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
        "-g", str(keyint), "-pix_fmt", "yuv420p", *bitrate,
        "-c:a", "aac", "-b:a", "64k",
        "-f", "flv", url,
    ]  # fmt: skip


async def publish(
    url: str,
    *,
    seconds: float,
    size: str = "640x360",
    rate: int | str = 25,
    keyint_seconds: float = 1.0,
    video_kbps: int | None = None,
) -> asyncio.subprocess.Process:
    """Start pushing; the caller waits for (or kills) the process."""
    return await asyncio.create_subprocess_exec(
        *encoder_args(
            url,
            seconds=seconds,
            size=size,
            rate=rate,
            keyint_seconds=keyint_seconds,
            video_kbps=video_kbps,
        ),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
